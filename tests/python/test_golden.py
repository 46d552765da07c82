"""Every golden file made by official fastText / sent2vec is reproduced (MANIFEST.md)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest
import sentvec
from conftest import HAVE_SHARED, SHARED, SHARED_MODELS, TESTDATA, read_lines, read_vec_lines

TOL = 1e-4  # goldens are printed with %.5g


def model_dir(name: str) -> Path:
    if HAVE_SHARED:
        return SHARED_MODELS
    local = TESTDATA / "golden"
    if (local / name).exists():
        return local
    pytest.skip(f"{name} needs the shared data folder ({SHARED}), which is not present")


MODELS = [
    ("ft-skipgram", "ft-skipgram.bin"),
    ("ft-cbow", "ft-cbow.bin"),
    ("ft-supervised", "ft-supervised.bin"),
    ("ft-supervised.ftz", "ft-supervised.ftz"),
    ("s2v", "s2v.bin"),
]


@pytest.fixture(params=[False, True], ids=["copy", "mmap"])
def mmap(request):
    return request.param


@pytest.mark.parametrize("stem,fname", MODELS)
def test_word_vectors(stem, fname, mmap):
    d = model_dir(fname)
    model = sentvec.load_model(d / fname, mmap=mmap)
    queries = read_lines(d / f"{stem}.words.txt")[:200]
    words, gold = read_vec_lines(d / f"{stem}.words.vec", with_word=True)
    assert len(words) == len(queries) == 200
    got = np.stack([model.get_word_vector(w) for w in queries])
    np.testing.assert_allclose(got, gold, atol=TOL, rtol=0)
    batch = model.get_word_vectors(queries)
    np.testing.assert_array_equal(batch, got)
    # blocks of 64 words, the next word's rows fetched ahead, on two threads: the same bits
    np.testing.assert_array_equal(model.get_word_vectors(queries, threads=2), got)
    # The query set covers OOV and non-ASCII words (MANIFEST): make sure they were exercised.
    assert any(w not in model for w in queries)
    assert any(not w.isascii() for w in queries)


@pytest.mark.parametrize("stem,fname", MODELS)
def test_sentence_vectors(stem, fname, mmap):
    d = model_dir(fname)
    model = sentvec.load_model(d / fname, mmap=mmap)
    lines = read_lines(d / f"{stem}.sentences.txt")[:100]
    _, gold = read_vec_lines(d / f"{stem}.sentences.vec", with_word=False)
    got = np.stack([model.get_sentence_vector(s) for s in lines])
    np.testing.assert_allclose(got, gold, atol=TOL, rtol=0)
    np.testing.assert_array_equal(model.embed_sentences(lines), got)
    np.testing.assert_array_equal(model.embed_sentences(lines, threads=2), got)


@pytest.mark.parametrize("stem,fname", [m for m in MODELS if "supervised" in m[0]])
def test_predict_and_test(stem, fname, mmap):
    d = model_dir(fname)
    model = sentvec.load_model(d / fname, mmap=mmap)
    lines = read_lines(d / "cooking.valid.200")[:200]
    gold = read_lines(d / f"{stem}.predict.txt")[:200]
    batch_labels, batch_probs = model.predict(lines, k=3)
    for i, (line, g) in enumerate(zip(lines, gold)):
        parts = g.split(" ")
        glabels, gprobs = parts[0::2], np.array([float(x) for x in parts[1::2]])
        labels, probs = model.predict(line, k=3)
        assert isinstance(labels, tuple) and isinstance(probs, np.ndarray)
        assert list(labels) == glabels, f"line {i}"
        np.testing.assert_allclose(probs, gprobs, atol=TOL, rtol=0)
        assert list(batch_labels[i]) == glabels
        np.testing.assert_array_equal(batch_probs[i], probs)
    # test(): the golden is on the whole cooking.valid.
    gt = dict(line.split("\t") for line in read_lines(d / f"{stem}.test.txt") if line)
    valid = SHARED / "data" / "classification" / "cooking.valid"
    if valid.exists():
        n, p, r = model.test(valid, 1)
        assert n == int(gt["N"])
        assert abs(p - float(gt["P@1"])) < 5e-4 and abs(r - float(gt["R@1"])) < 5e-4


@pytest.mark.parametrize("stem,fname", MODELS)
def test_resave_is_byte_identical(stem, fname, tmp_path, mmap):
    d = model_dir(fname)
    model = sentvec.load_model(d / fname, mmap=mmap)
    out = tmp_path / fname
    model.save_model(out)
    assert filecmp.cmp(d / fname, out, shallow=False)


@pytest.mark.parametrize("stem,fname", MODELS)
def test_mmap_views_equal_copies(stem, fname):
    d = model_dir(fname)
    a = sentvec.load_model(d / fname)
    b = sentvec.load_model(d / fname, mmap=True)
    assert b.mapped and not a.mapped
    if a.is_quantized():
        with pytest.raises(ValueError, match="quantized"):
            a.get_input_matrix()
    else:
        ia, ib = a.get_input_matrix(), b.get_input_matrix()
        np.testing.assert_array_equal(ia, ib)
        assert ia.flags.writeable and not ib.flags.writeable
        assert not ib.flags.owndata and not ia.flags.owndata
    np.testing.assert_array_equal(a.get_output_matrix(), b.get_output_matrix())


def test_skipgram_vec_file_matches_get_word_vector(tmp_path):
    """fastText's own training .vec equals what our save_vectors writes for every word."""
    d = model_dir("ft-skipgram.vec")
    model = sentvec.load_model(d / "ft-skipgram.bin")
    with open(d / "ft-skipgram.vec", "rb") as f:
        header = f.readline().split()
        rows = [line.rstrip(b"\n").split(b" ") for line in f]
    assert int(header[0]) == len(rows) == len(model.words)
    out = tmp_path / "ours.vec"
    model.save_vectors(out)
    with open(out, "rb") as f:
        ours_header = f.readline().split()
        ours = [line.rstrip(b"\n").split(b" ") for line in f]
    assert ours_header == header
    assert [r[0] for r in ours] == [r[0] for r in rows]
    a = np.array([[float(x) for x in r[1:-1]] for r in rows])
    b = np.array([[float(x) for x in r[1:-1]] for r in ours])
    np.testing.assert_allclose(a, b, atol=TOL, rtol=0)
