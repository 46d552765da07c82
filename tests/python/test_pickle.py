"""Pickling a Model: by file identity when loaded from a file, by bytes when trained in memory;
copy.deepcopy and multiprocessing (spawn and fork) give a model that answers the same."""

from __future__ import annotations

import copy
import multiprocessing as mp
import os
import pickle
import shutil

import numpy as np
import pytest
import sentvec
from sentvec.model import ModelFileChangedError

OPTS = dict(dim=10, epoch=3, wordNgrams=2, bucket=3000, minn=2, maxn=4, thread=1, verbose=0, seed=3)
LINES = ["bread cheese oven", "ball goal team coach", "guitar drum song", "the a très"]


@pytest.fixture(scope="module")
def trained(tiny_labelled):
    return sentvec.train_supervised(str(tiny_labelled), **OPTS)


@pytest.fixture()
def saved(trained, tmp_path):
    p = tmp_path / "sup.bin"
    trained.save_model(p)
    return p


def same_answers(a, b):
    la, pa = a.predict(LINES, k=2)
    lb, pb = b.predict(LINES, k=2)
    assert la == lb
    np.testing.assert_array_equal(np.array(pa), np.array(pb))
    np.testing.assert_array_equal(a.embed_sentences(LINES), b.embed_sentences(LINES))
    np.testing.assert_array_equal(a.get_input_matrix(), b.get_input_matrix())
    np.testing.assert_array_equal(a.get_output_matrix(), b.get_output_matrix())
    assert a.get_words() == b.get_words() and a.get_labels() == b.get_labels()
    # verbose is not in the file: a copy has what save_model + load_model gives
    assert {k: v for k, v in a.args.items() if k != "verbose"} == {k: v for k, v in b.args.items() if k != "verbose"}


def test_trained_model_pickles_as_its_bytes(trained, tmp_path):
    data = pickle.dumps(trained)
    trained.save_model(tmp_path / "m.bin")
    assert (tmp_path / "m.bin").read_bytes() in data  # the saved file, nothing re-encoded
    back = pickle.loads(data)
    assert back is not trained and not back.mapped
    same_answers(trained, back)


@pytest.mark.parametrize("mmap", [False, True])
def test_loaded_model_pickles_as_its_file_identity(saved, mmap, tmp_path, monkeypatch):
    m = sentvec.load_model(saved, mmap=mmap)
    data = pickle.dumps(m)
    assert len(data) < 1024 < saved.stat().st_size  # path + identity, not the matrices
    monkeypatch.chdir(tmp_path.parent)  # the path is absolute: another cwd finds the file
    back = pickle.loads(data)
    assert back.mapped is mmap
    same_answers(m, back)


def test_relative_path_is_made_absolute(saved, monkeypatch, tmp_path):
    monkeypatch.chdir(saved.parent)
    m = sentvec.load_model(saved.name, mmap=True)
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    same_answers(m, pickle.loads(pickle.dumps(m)))


def test_missing_file_is_a_clear_error(saved):
    data = pickle.dumps(sentvec.load_model(saved, mmap=True))
    os.unlink(saved)
    with pytest.raises(FileNotFoundError, match=r"sup\.bin is missing"):
        pickle.loads(data)


def test_replaced_file_is_a_clear_error(saved, tiny_labelled):
    data = pickle.dumps(sentvec.load_model(saved))
    other = sentvec.train_supervised(str(tiny_labelled), **dict(OPTS, seed=4))
    other.save_model(saved)  # atomic replace by another model
    with pytest.raises(ModelFileChangedError, match=r"changed since it was pickled"):
        pickle.loads(data)


def test_same_size_and_mtime_but_other_bytes_is_detected(saved):
    m = sentvec.load_model(saved)
    data = pickle.dumps(m)
    st = saved.stat()
    raw = bytearray(saved.read_bytes())
    raw[200] ^= 0xFF  # inside the dictionary: within the checksummed header bytes
    saved.write_bytes(bytes(raw))
    os.utime(saved, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert saved.stat().st_size == st.st_size and saved.stat().st_mtime_ns == st.st_mtime_ns
    with pytest.raises(ModelFileChangedError, match="header_sha256"):
        pickle.loads(data)


def test_quantized_model_pickles_as_bytes(saved, tmp_path):
    m = sentvec.load_model(saved)
    m.quantize(cutoff=300)
    data = pickle.dumps(m)
    assert len(data) > 1024  # no longer the file's content: the .ftz bytes
    back = pickle.loads(data)
    assert back.is_quantized()
    assert back.predict(LINES, k=2)[0] == m.predict(LINES, k=2)[0]


@pytest.mark.parametrize("mmap", [False, True])
def test_deepcopy_is_an_independent_equal_model(saved, mmap):
    m = sentvec.load_model(saved, mmap=mmap)
    c = copy.deepcopy(m)
    assert c is not m and c.f is not m.f and c.mapped is mmap
    same_answers(m, c)


def test_deepcopy_of_a_trained_model(trained):
    c = copy.deepcopy(trained)
    assert c.f is not trained.f
    same_answers(trained, c)
    if not trained.mapped:  # a real copy: writing into it leaves the original alone
        before = trained.get_input_matrix()[0].copy()
        c.get_input_matrix()[0] += 1.0
        np.testing.assert_array_equal(trained.get_input_matrix()[0], before)


def _predict_in_child(model):
    labels, probs = model.predict(LINES, k=2)
    return labels, [p.tolist() for p in probs], os.getpid(), model.mapped


@pytest.mark.parametrize("method", ["spawn", "fork", "forkserver"])
@pytest.mark.parametrize("source", ["file-mmap", "memory"])
def test_multiprocessing(method, source, saved, trained):
    if method not in mp.get_all_start_methods():
        pytest.skip(f"start method {method} is not available on this platform")
    m = sentvec.load_model(saved, mmap=True) if source == "file-mmap" else trained
    want = m.predict(LINES, k=2)
    with mp.get_context(method).Pool(2) as pool:
        got = pool.map(_predict_in_child, [m, m])
    for labels, probs, pid, mapped in got:
        assert pid != os.getpid()
        assert mapped is (source == "file-mmap")
        assert labels == want[0]
        np.testing.assert_array_equal(np.array(probs), np.array([p.tolist() for p in want[1]]))


def test_pickle_survives_a_copy_of_the_file_with_its_times(saved, tmp_path):
    # A file copied with its times (cp -p, rsync -t) is the same model: same size, mtime, bytes.
    m = sentvec.load_model(saved, mmap=True)
    data = pickle.dumps(m)
    backup = tmp_path / "backup.bin"
    shutil.copy2(saved, backup)
    os.unlink(saved)
    shutil.copy2(backup, saved)
    same_answers(m, pickle.loads(data))
