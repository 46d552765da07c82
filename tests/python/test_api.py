"""The Python surface: errors, saving, numpy views, mapping, drop-in use."""

from __future__ import annotations

import gc
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sentvec
from conftest import HAVE_SHARED, SHARED_MODELS, TESTDATA

FTZ = TESTDATA / "golden" / "ft-supervised.ftz"


def a_dense_model() -> Path:
    if HAVE_SHARED:
        return SHARED_MODELS / "ft-skipgram.bin"
    pytest.skip("needs the shared data folder for a dense unsupervised golden model")


# ---------------------------------------------------------------------------------- errors

def test_missing_file():
    with pytest.raises(FileNotFoundError) as e:
        sentvec.load_model("/nonexistent/model.bin")
    assert "/nonexistent/model.bin" in str(e.value)


def test_directory(tmp_path):
    with pytest.raises(IsADirectoryError):
        sentvec.load_model(tmp_path)


def test_empty_and_not_a_model(tmp_path):
    p = tmp_path / "empty.bin"
    p.write_bytes(b"")
    with pytest.raises(sentvec.FormatError, match="empty"):
        sentvec.load_model(p)
    p.write_text("hello world, this is not a model at all\n" * 10)
    with pytest.raises(sentvec.FormatError) as e:
        sentvec.load_model(p)
    assert "magic" in str(e.value) and "offset 0" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_wrong_version(tmp_path):
    data = bytearray(FTZ.read_bytes())
    data[4:8] = struct.pack("<i", 13)
    p = tmp_path / "v13.bin"
    p.write_bytes(bytes(data))
    with pytest.raises(sentvec.FormatError, match=r"version 13.*offset 4"):
        sentvec.load_model(p)


@pytest.mark.parametrize("cut", [3, 7, 40, 63, 64, 100, 5000, -1])
def test_truncated(tmp_path, cut):
    data = FTZ.read_bytes()
    p = tmp_path / "cut.bin"
    p.write_bytes(data[:cut] if cut > 0 else data[:-1])
    with pytest.raises(sentvec.FormatError) as e:
        sentvec.load_model(p)
    assert "truncated" in str(e.value) and "offset" in str(e.value)


def test_huge_count_is_checked_before_allocation(tmp_path):
    data = bytearray(FTZ.read_bytes())
    # The dictionary size field follows magic, version and 56 bytes of args.
    data[64:68] = struct.pack("<i", 2_000_000_000)
    p = tmp_path / "huge.bin"
    p.write_bytes(bytes(data))
    with pytest.raises(sentvec.FormatError):
        sentvec.load_model(p)


def test_argument_errors():
    m = sentvec.load_model(FTZ)
    with pytest.raises(TypeError):
        m.get_word_vector(3)
    with pytest.raises(ValueError, match="one line"):
        m.get_sentence_vector("a\nb")
    with pytest.raises(ValueError, match="one line"):
        m.predict("a\nb")
    with pytest.raises(ValueError, match="k"):
        m.predict("a", k=0)
    with pytest.raises(ValueError, match="on_unicode_error"):
        m.get_words(on_unicode_error="bogus")
    with pytest.raises(ValueError, match="which"):
        m.save_vectors("/tmp/x.vec", which="hidden")
    with pytest.raises(TypeError):
        sentvec.load_model(123)


# ---------------------------------------------------------------------------------- saving

def test_save_vectors_input_and_output_read_by_gensim(tmp_path):
    gensim = pytest.importorskip("gensim")
    from gensim.models import KeyedVectors

    m = sentvec.load_model(a_dense_model())
    words = m.get_words()
    for binary in (False, True):
        p = tmp_path / f"in-{binary}.vec"
        m.save_vectors(p, which="input", binary=binary)
        kv = KeyedVectors.load_word2vec_format(str(p), binary=binary)
        assert list(kv.index_to_key) == words
        expect = m.get_word_vectors(words)
        np.testing.assert_allclose(kv.vectors, expect, atol=0 if binary else 5e-5 * np.abs(expect).max())
        p = tmp_path / f"out-{binary}.vec"
        m.save_vectors(p, which="output", binary=binary)
        kv = KeyedVectors.load_word2vec_format(str(p), binary=binary)
        assert list(kv.index_to_key) == words
        np.testing.assert_allclose(kv.vectors, m.get_output_matrix(), atol=0 if binary else 1e-4)
    del gensim


def test_save_vectors_output_of_supervised_has_labels(tmp_path):
    m = sentvec.load_model(FTZ)
    p = tmp_path / "labels.vec"
    m.save_vectors(p, which="output")
    lines = p.read_text(encoding="utf-8").splitlines()
    n, dim = map(int, lines[0].split())
    assert n == len(m.get_labels()) and dim == m.get_dimension()
    assert [ln.split(" ")[0] for ln in lines[1:]] == m.get_labels()
    assert lines[1].endswith(" ")  # fastText's .vec: every value followed by a space
    np.testing.assert_allclose(
        np.array([[float(x) for x in ln.split(" ")[1:-1]] for ln in lines[1:]]),
        m.get_output_matrix(), atol=1e-4)


def test_failed_save_leaves_old_file_and_no_temp(tmp_path):
    m = sentvec.load_model(FTZ)
    target = tmp_path / "model.bin"
    target.write_bytes(b"precious")
    # A directory in the way of the rename: the save fails after writing the temp file.
    blocker = tmp_path / "dir.bin"
    blocker.mkdir()
    (blocker / "x").write_text("x")
    with pytest.raises(IsADirectoryError):
        m.save_model(blocker)
    assert target.read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == ["dir.bin", "model.bin"]
    with pytest.raises(FileNotFoundError):
        m.save_model(tmp_path / "no" / "such" / "dir" / "m.bin")
    m.save_model(target)
    assert target.read_bytes() == FTZ.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["dir.bin", "model.bin"]


def test_save_model_accepts_pathlike(tmp_path):
    m = sentvec.load_model(str(FTZ))
    m.save_model(tmp_path / "a.ftz")
    m.save_model(str(tmp_path / "b.ftz"))
    assert (tmp_path / "a.ftz").read_bytes() == (tmp_path / "b.ftz").read_bytes() == FTZ.read_bytes()


# ---------------------------------------------------------------------------------- numpy views

def test_matrices_are_views_kept_alive_by_the_model():
    m = sentvec.load_model(a_dense_model())
    a = m.get_input_matrix()
    b = m.input_matrix
    assert not a.flags.owndata and np.shares_memory(a, b)
    assert a.dtype == np.float32 and a.shape == (m.f.nwords + m.args["bucket"], m.get_dimension())
    expect = a[5].copy()
    del m, b
    gc.collect()
    np.testing.assert_array_equal(a[5], expect)  # the view keeps the model alive
    # A writable view writes into the model (the official API returns a copy; we do not copy).
    m = sentvec.load_model(a_dense_model())
    w = m.get_words()[3]
    before = m.get_word_vector(w)
    m.get_input_matrix()[3, :] += 1.0
    _, ids = m.get_subwords(w)
    np.testing.assert_allclose(m.get_word_vector(w), before + 1.0 / len(ids), atol=1e-6)
    out = m.get_output_matrix()
    assert out.shape == (m.f.nwords, m.get_dimension())


def test_sentence_vectors_follow_writes_through_the_input_view():
    """Sentence vectors of a word model reuse each known word's vector once made (a cache):
    warm and cold calls give the same bits, and a write through the writable input view is
    seen by the next sentence vector (the view turns the cache off)."""
    m = sentvec.load_model(a_dense_model())
    words = m.get_words()
    lines = [" ".join(words[i:i + 7]) + " oovish" for i in range(0, 300, 3)]
    cold = m.embed_sentences(lines, threads=1)
    warm = m.embed_sentences(lines, threads=2)
    np.testing.assert_array_equal(cold, warm)
    np.testing.assert_array_equal(np.stack([m.get_sentence_vector(x) for x in lines]), cold)
    fresh = sentvec.load_model(a_dense_model())
    np.testing.assert_array_equal(fresh.embed_sentences(lines[::-1], threads=2)[::-1], cold)
    fresh.get_input_matrix()[3, :] += 1.0  # word 3's own row
    after = fresh.embed_sentences(lines, threads=1)
    changed = [i for i, x in enumerate(lines) if words[3] in x.split()]
    assert changed and not np.array_equal(after[changed], cold[changed])
    untouched = [i for i in range(len(lines)) if i not in changed]
    np.testing.assert_array_equal(after[untouched], cold[untouched])
    v = fresh.get_word_vector(words[3])
    np.testing.assert_allclose(fresh.get_sentence_vector(words[3]), v / np.linalg.norm(v), rtol=1e-6)


def test_mapped_views_are_read_only():
    m = sentvec.load_model(a_dense_model(), mmap=True)
    a = m.get_input_matrix()
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 1.0


def test_mmap_rss_grows_far_less_than_the_matrix(tmp_path):
    """A 200 MB model: mapping it costs little resident memory, copying it costs the matrix."""
    from serve_models import write_bin

    path = write_bin(tmp_path / "big.bin", nwords=1000, bucket=500_000, dim=100)
    matrix_kib = (1000 + 500_000) * 100 * 4 // 1024
    code = textwrap.dedent(f"""
        import sys, numpy as np
        import sentvec
        def rss():
            for line in open('/proc/self/status'):
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        before = rss()
        m = sentvec.load_model({str(path)!r}, mmap=(sys.argv[1] == '1'))
        v = m.get_word_vector(m.get_words()[0])
        s = m.get_sentence_vector('w1 w2 w3')
        print(rss() - before)
    """)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    grow = {}
    for flag in ("1", "0"):
        r = subprocess.run([sys.executable, "-c", code, flag], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        grow[flag] = int(r.stdout.strip())
    # Queries fault in only the rows they touch (plus the kernel's fault-around).
    assert grow["1"] < matrix_kib / 5, grow
    assert grow["0"] > matrix_kib * 0.8, grow


# ---------------------------------------------------------------------------------- drop-in

def test_import_as_fasttext_runs_typical_code(tmp_path):
    code = textwrap.dedent(f"""
        import sentvec as fasttext
        import numpy as np
        model = fasttext.load_model({str(FTZ)!r})
        print(model.get_dimension(), len(model.words), len(model.labels))
        labels, probs = model.predict("how do i bake bread", k=2)
        assert isinstance(labels, tuple) and isinstance(probs, np.ndarray) and len(labels) == 2
        labels, probs = model.predict(["bake bread", "sharpen a knife"], k=1)
        assert isinstance(labels, list) and len(labels) == 2 and isinstance(probs[0], np.ndarray)
        n, p, r = model.test({str(TESTDATA / 'cooking.valid.300')!r})
        assert n > 0 and 0 <= p <= 1
        v = model.get_word_vector("bread"); assert v.shape == (model.get_dimension(),)
        v = model["bread"]
        s = model.get_sentence_vector("bake bread")
        words, freqs = model.get_words(include_freq=True)
        subwords, ids = model.get_subwords("bread")
        assert "bread" in model or "bread" not in model.words
        assert model.get_word_id("bread") >= -1
        nn = model.get_nearest_neighbors("bread", k=3)
        assert all(isinstance(x, tuple) and isinstance(x[1], str) for x in nn)
        an = model.get_analogies("bread", "bake", "knife", k=2)
        model.save_model({str(tmp_path / 'x.ftz')!r})
        print("ok")
    """)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("ok")


def test_official_fasttext_agrees_on_ftz_fixture():
    fasttext = pytest.importorskip("fasttext")
    ours = sentvec.load_model(FTZ)
    theirs = fasttext.load_model(str(FTZ))
    lines = (TESTDATA / "cooking.valid.300").read_text(encoding="utf-8").splitlines()
    l1, p1 = ours.predict(lines, k=2)
    l2, p2 = theirs.predict(lines, k=2)
    assert [list(x) for x in l1] == [list(x) for x in l2]
    np.testing.assert_allclose(np.concatenate(p1), np.concatenate(p2), atol=1e-5)
    assert ours.test(TESTDATA / "cooking.valid.300")[:1] == theirs.test(str(TESTDATA / "cooking.valid.300"))[:1]
