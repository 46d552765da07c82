"""sent2vec training with the sentvec scheme: options, determinism, consistency of training,
inference and ngram_ids, files (save/load, trailer, official fastText), embed_file."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sentvec
from conftest import SHARED_MODELS

WORDS = [
    "the", "a", "cat", "dog", "sat", "on", "mat", "ran", "to", "house", "big", "small", "red", "blue",
    "eats", "fish", "bird", "flies", "over", "tree", "green", "river", "new", "york", "city", "is", "in",
    "state", "of", "mind", "café", "naïve", "слово",
]


@pytest.fixture(scope="module")
def s2v_corpus(tmp_path_factory):
    """Sentences with a little structure (frequent bigrams) so n-gram rows get trained."""
    rng = np.random.default_rng(5)
    p = tmp_path_factory.mktemp("s2v") / "sentences.txt"
    with open(p, "w", encoding="utf-8") as f:
        for _ in range(2500):
            n = int(rng.integers(3, 16))
            toks = [WORDS[int(i) % len(WORDS)] for i in rng.zipf(1.4, n)]
            if rng.random() < 0.3:
                toks[int(rng.integers(0, n)) :] = ["new", "york", "city"]
            if rng.random() < 0.05:
                toks.append(f"rareword{int(rng.integers(0, 10**6))}")
            f.write(" ".join(toks) + "\n")
        f.write("\n")  # an empty line and a one-word line are skipped, not errors
        f.write("cat\n")
    return p


def train(path, **kw):
    opts = {"model": "sent2vec", "dim": 16, "epoch": 2, "bucket": 5000, "thread": 1, "seed": 7, "verbose": 0, "minCount": 3}
    opts.update(kw)
    return sentvec.train_unsupervised(str(path), **opts)


@pytest.fixture(scope="module")
def model(s2v_corpus):
    return train(s2v_corpus)


def test_defaults_and_option_names(model):
    from sentvec.train import defaults_for

    a = o = defaults_for("sent2vec")  # the C++ option table's sent2vec column

    assert o["dropoutK"] == 2 and o["scheme"] == "sentvec"
    assert (a["lr"], a["dim"], a["epoch"], a["minCount"], a["wordNgrams"], a["neg"], a["bucket"],
            a["t"], a["loss"], a["minn"], a["maxn"]) == (0.2, 100, 5, 5, 2, 10, 2000000, 1e-4, "ns", 0, 0)
    args = model.args
    assert args["model"] == "sent2vec" and args["scheme"] == "sentvec"
    assert args["dropoutK"] == 2 and args["minCountLabel"] == 0 and args["maxn"] == 0
    assert args["lr"] == 0.2 and args["wordNgrams"] == 2 and args["neg"] == 10


def test_min_count_target_and_its_alias(s2v_corpus):
    a = train(s2v_corpus, epoch=1, minCountTarget=50)
    b = train(s2v_corpus, epoch=1, minCountLabel=50)
    assert a.args["minCountLabel"] == b.args["minCountLabel"] == 50
    np.testing.assert_array_equal(a.get_input_matrix(), b.get_input_matrix())
    with pytest.raises(ValueError, match="disagree"):
        train(s2v_corpus, minCountTarget=3, minCountLabel=4)
    with pytest.raises(ValueError, match="scheme"):
        train(s2v_corpus, scheme="sent2vec")
    with pytest.raises(ValueError, match="maxn"):
        train(s2v_corpus, minn=3, maxn=6)
    with pytest.raises(ValueError, match="dropoutK"):
        train(s2v_corpus, dropoutK=-1)


def test_deterministic_with_one_thread(s2v_corpus, model, tmp_path):
    again = train(s2v_corpus)
    model.save_model(tmp_path / "a.bin")
    again.save_model(tmp_path / "b.bin")
    assert filecmp.cmp(tmp_path / "a.bin", tmp_path / "b.bin", shallow=False)
    other = train(s2v_corpus, seed=8)
    assert not np.array_equal(other.get_input_matrix(), model.get_input_matrix())


@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
def test_every_loss_learns(s2v_corpus, loss):
    seen = []
    m = train(s2v_corpus, loss=loss, epoch=3, callback=lambda p: seen.append(p) or True)
    assert seen and seen[-1].finished and seen[-1].progress == 1.0
    assert np.isfinite(seen[-1].loss) and seen[-1].loss > 0
    # Sentences that share the frequent bigram are closer than unrelated ones.
    v = m.embed_sentences(["new york city", "in new york city", "fish eats green tree"])
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert cos(v[0], v[1]) > cos(v[0], v[2])


def test_callback_stops_training_early(s2v_corpus):
    calls = []

    def cb(p):
        calls.append(p)
        return False

    m = train(s2v_corpus, epoch=50, callback=cb)
    assert calls and m.get_dimension() == 16


def test_two_threads_train(s2v_corpus):
    m = train(s2v_corpus, thread=2)
    assert np.isfinite(m.get_input_matrix()).all()


def manual_sentence_vector(m, line):
    """Mean of the rows of the known words and of their n-grams, with unknown words splitting
    the line: what training used, recomputed from ngram_ids."""
    words = set(m.words)
    nwords, bucket, n = len(m.words), m.args["bucket"], m.args["wordNgrams"]
    rows, segment = [], []

    def flush():
        rows.extend(nwords + r for _, _, r in sentvec.ngram_ids(segment, n, bucket)) if segment else None
        segment.clear()

    toks = line.split()
    for t in toks:
        if t in words and t != "</s>":
            rows.append(m.get_word_id(t))
            segment.append(t)
        else:
            flush()
    flush()
    # Order: the enumerator visits words first, then n-grams; the mean does not care.
    mat = m.get_input_matrix()
    return mat[rows].astype(np.float64).mean(axis=0) if rows else np.zeros(mat.shape[1])


def test_inference_uses_the_ngram_ids_rows(model):
    lines = [
        "new york city is big",
        "the cat sat on the mat",
        "new zzzunknown york city",  # the unknown word splits the line: no (new, york) bigram
        "zzz qqq",
        "",
        "cat",
        "the   cat\tsat",
    ]
    for line in lines:
        np.testing.assert_allclose(model.get_sentence_vector(line), manual_sentence_vector(model, line),
                                   atol=1e-5, err_msg=line)
    a = model.get_sentence_vector("new york")
    b = model.get_sentence_vector("new zzzunknown york")
    assert not np.allclose(a, b)  # the bigram row is in a, not in b
    np.testing.assert_array_equal(model.embed_sentences(lines, threads=2),
                                  np.stack([model.get_sentence_vector(s) for s in lines]))


def test_save_load_round_trip(model, tmp_path):
    p = tmp_path / "m.bin"
    model.save_model(p)
    back = sentvec.load_model(p)
    for mm in (False, True):
        back = sentvec.load_model(p, mmap=mm)
        assert back.args["scheme"] == "sentvec" and back.args["model"] == "sent2vec"
        assert back.args["dropoutK"] == model.args["dropoutK"]
        np.testing.assert_array_equal(back.get_input_matrix(), model.get_input_matrix())
        np.testing.assert_array_equal(back.get_output_matrix(), model.get_output_matrix())
        assert back.words == model.words
        lines = ["new york city", "the cat zzz sat", "café naïve слово"]
        np.testing.assert_array_equal(back.embed_sentences(lines), model.embed_sentences(lines))
    q = tmp_path / "again.bin"
    back.save_model(q)
    assert filecmp.cmp(p, q, shallow=False)
    with open(p, "rb") as f:
        data = f.read()
    assert b"SENTVEC\0" in data and b"scheme=sentvec" in data


def test_save_vectors_input_and_output(model, tmp_path):
    gensim = pytest.importorskip("gensim")
    for which in ("input", "output"):
        out = tmp_path / f"{which}.vec"
        model.save_vectors(out, which=which)
        kv = gensim.models.KeyedVectors.load_word2vec_format(str(out))
        assert list(kv.index_to_key) == model.words
        ref = (np.stack([model.get_word_vector(w) for w in model.words]) if which == "input"
               else model.get_output_matrix())
        np.testing.assert_allclose(kv.vectors, ref, rtol=1e-4, atol=1e-5)
    # Input word vectors of a trained sent2vec model are its own rows (no char n-grams).
    np.testing.assert_array_equal(model.get_word_vector("cat"), model.get_input_matrix()[model.get_word_id("cat")])


@pytest.mark.skipif(not (SHARED_MODELS / "s2v.bin").exists(), reason="needs the shared s2v.bin")
def test_save_vectors_of_a_sent2vec_file(tmp_path):
    m = sentvec.load_model(SHARED_MODELS / "s2v.bin")
    m.save_vectors(tmp_path / "out.vec", which="output")
    with open(tmp_path / "out.vec", encoding="utf-8") as f:
        n, d = map(int, f.readline().split())
        first = f.readline().split(" ")
    assert (n, d) == m.get_output_matrix().shape and first[0] == m.words[0]
    np.testing.assert_allclose([float(x) for x in first[1:-1]], m.get_output_matrix()[0], rtol=1e-4, atol=1e-6)


def test_official_fasttext_opens_a_sentvec_sent2vec_file(model, tmp_path):
    pytest.importorskip("fasttext")
    p = tmp_path / "m.bin"
    model.save_model(p)
    code = textwrap.dedent(f"""
        import fasttext, sys
        m = fasttext.load_model({str(p)!r})
        print(m.get_dimension(), len(m.words))
        m.get_sentence_vector("new york city")
        m.get_word_vector("cat")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(model.get_dimension()), str(len(model.words))]


# ------------------------------------------------------------------------------ embed_file


def test_embed_file_matches_embed_sentences(model, tmp_path):
    lines = ["new york city", "", "the cat sat on the mat", "zzz", "café naïve слово\r", "  a  b  "]
    src = tmp_path / "in.txt"
    src.write_bytes(("\n".join(lines)).encode("utf-8"))  # no newline after the last line
    want = model.embed_sentences([s.rstrip("\r") for s in lines])
    for chunk in (1, 7, 64, 1 << 20):
        out = tmp_path / f"out{chunk}.npy"
        arr = model.embed_file(src, out, threads=2, chunk_bytes=chunk)
        assert arr.shape == (len(lines), model.get_dimension()) and arr.dtype == np.float32
        np.testing.assert_array_equal(np.asarray(arr), want)
        np.testing.assert_array_equal(np.load(out), want)
    assert not np.any(want[1]) and not np.any(want[3])  # empty / unknown lines: zero rows
    assert sorted(os.listdir(tmp_path)) == sorted(["in.txt"] + [f"out{c}.npy" for c in (1, 7, 64, 1 << 20)])


def test_embed_file_trailing_newline_and_empty_file(model, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("a b\nc d\n", encoding="utf-8")
    assert model.embed_file(src, tmp_path / "o.npy").shape == (2, model.get_dimension())
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert model.embed_file(empty, tmp_path / "e.npy").shape == (0, model.get_dimension())


def test_embed_file_errors_leave_nothing(model, tmp_path):
    with pytest.raises(FileNotFoundError):
        model.embed_file(tmp_path / "missing.txt", tmp_path / "o.npy")
    assert os.listdir(tmp_path) == []
    src = tmp_path / "in.txt"
    src.write_text("a\n", encoding="utf-8")
    (tmp_path / "dir.npy").mkdir()
    with pytest.raises(IsADirectoryError):
        model.embed_file(src, tmp_path / "dir.npy")
    with pytest.raises(ValueError, match="chunk_bytes"):
        model.embed_file(src, tmp_path / "o.npy", chunk_bytes=0)
    assert sorted(os.listdir(tmp_path)) == ["dir.npy", "in.txt"]


@pytest.mark.skipif(not (SHARED_MODELS / "ft-skipgram.bin").exists(), reason="needs the shared models")
def test_embed_file_with_a_fasttext_model(tmp_path):
    m = sentvec.load_model(SHARED_MODELS / "ft-skipgram.bin", mmap=True)
    lines = (SHARED_MODELS / "ft-skipgram.sentences.txt").read_text(encoding="utf-8").split("\n")[:100]
    src = tmp_path / "in.txt"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = m.embed_file(src, tmp_path / "o.npy", chunk_bytes=500)
    np.testing.assert_array_equal(np.asarray(got), m.embed_sentences(lines))


@pytest.mark.skipif(not (SHARED_MODELS / "s2v.bin").exists(), reason="needs the shared s2v.bin")
def test_sent2vec_file_inference_uses_the_ngram_ids_rows():
    """A model written by sent2vec: its sentence vectors are the rows ngram_ids gives under the
    sent2vec scheme (word ids, unknown words dropped and spanned)."""
    m = sentvec.load_model(SHARED_MODELS / "s2v.bin")
    assert m.args["scheme"] == "sent2vec"
    nwords, bucket, n = len(m.words), m.args["bucket"], m.args["wordNgrams"]
    mat = m.get_input_matrix().astype(np.float64)
    for line in ["the cat sat on the mat", "new zzzunknown york city", "a", ""]:
        ids = [m.get_word_id(t) for t in line.split()]
        ids = [i for i in ids if i >= 0]
        rows = ids + [nwords + r for _, _, r in sentvec.ngram_ids(ids, n, bucket, "sent2vec")]
        want = mat[rows].mean(axis=0) if rows else np.zeros(mat.shape[1])
        np.testing.assert_allclose(m.get_sentence_vector(line), want, atol=1e-5, err_msg=line)


def test_embed_sentences_in_blocks_equals_one_by_one(model, s2v_corpus):
    lines = s2v_corpus.read_text(encoding="utf-8").split("\n")[:300] + ["", "zzz new york"]
    one = np.stack([model.get_sentence_vector(s) for s in lines])
    for threads in (1, 2, 3):
        np.testing.assert_array_equal(model.embed_sentences(lines, threads=threads), one)
