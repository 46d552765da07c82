"""sentvec.evaluate: Spearman (checked against scipy), text normalization, STS, word
similarity and analogies."""

from __future__ import annotations

import numpy as np
import pytest
import sentvec
from conftest import SHARED, SHARED_MODELS
from sentvec import evaluate as ev

STSB_DEV = SHARED / "data" / "sts" / "stsb-dev.tsv"
WS353 = SHARED / "data" / "wordsim" / "ws353.tsv"
QUESTIONS = SHARED / "data" / "wordsim" / "questions-words.txt"

scipy_stats = pytest.importorskip("scipy.stats")


@pytest.mark.parametrize("seed", range(6))
def test_spearman_matches_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    x = rng.integers(0, 10, n).astype(float)  # many ties
    y = x * 0.3 + rng.normal(size=n)
    if seed % 2:
        y = np.round(y)  # ties on both sides
    ours = ev.spearman(x, y)
    ref = scipy_stats.spearmanr(x, y).correlation
    assert ours == pytest.approx(ref, abs=1e-12)
    np.testing.assert_allclose(ev.rankdata(x), scipy_stats.rankdata(x))


def test_spearman_edge_cases():
    assert ev.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert ev.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert np.isnan(ev.spearman([1, 1, 1], [1, 2, 3]))
    assert np.isnan(ev.spearman([1], [2]))
    with pytest.raises(ValueError, match="same length"):
        ev.spearman([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        ev.rankdata([1.0, float("nan")])
    np.testing.assert_array_equal(ev.rankdata([]), [])


def test_normalize_is_the_corpus_normalization():
    assert ev.normalize("It\u2019s a well-known fact -- \"3.5%\" of U.S. caf\u00e9 e-mail") == (
        "it's a well-known fact 3 5 of u s caf\u00e9 e-mail"
    )
    assert ev.normalize("  'quoted' -edge- under_score \uff21\uff22 \u2010x\u2011y ") == "quoted edge under score ab x-y"
    assert ev.normalize("!!!") == ""


class FakeModel:
    """A tiny model: fixed word vectors; a sentence vector is the mean of its words'."""

    def __init__(self, vectors):
        self.vectors = {w: np.asarray(v, dtype=np.float32) for w, v in vectors.items()}
        self.dim = len(next(iter(vectors.values())))

    def get_words(self):
        return list(self.vectors)

    def get_dimension(self):
        return self.dim

    def get_word_vector(self, w):
        return self.vectors.get(w, np.zeros(self.dim, dtype=np.float32))

    def get_sentence_vector(self, s):
        vs = [self.vectors[w] for w in s.split() if w in self.vectors]
        return np.mean(vs, axis=0) if vs else np.zeros(self.dim, dtype=np.float32)


def test_sts_on_a_small_file(tmp_path):
    m = FakeModel({"cat": [1, 0], "dog": [0.9, 0.1], "car": [0, 1], "truck": [0.1, 0.9]})
    f = tmp_path / "sts.tsv"
    f.write_text("5.0\tThe Cat!\tdog\n0.5\tcat\tcar\n4.5\tcar\ttruck\n0.0\tcat\t???\n", encoding="utf-8")
    r = ev.sts(m, f)
    assert r.n == 4
    assert r.cosines[3] == 0.0  # an empty sentence has cosine 0
    assert r.cosines[0] == pytest.approx(0.9 / np.hypot(0.9, 0.1))  # normalized: "the cat" -> cat
    assert r.spearman == pytest.approx(scipy_stats.spearmanr(r.cosines, r.gold).correlation)
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\ta\tb\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a number"):
        ev.sts(m, bad)


def test_word_similarity_and_oov(tmp_path):
    m = FakeModel({"cat": [1, 0], "dog": [0.9, 0.1], "car": [0, 1], "truck": [0.2, 0.8]})
    f = tmp_path / "ws.tsv"
    f.write_text("Cat\tdog\t9\ncat\tcar\t1\ncar\ttruck\t8\ncat\tunicorn\t5\n", encoding="utf-8")
    r = ev.word_similarity(m, f)
    assert (r.n, r.n_total, r.oov_pairs) == (3, 4, 1) and r.oov_rate == 0.25
    assert r.spearman == pytest.approx(1.0)
    r2 = ev.word_similarity(m, f, oov="vector")
    assert r2.n == 4 and r2.oov_rate == 0.25
    with pytest.raises(ValueError, match="oov"):
        ev.word_similarity(m, f, oov="zero")


def test_analogy_accuracy_and_restriction(tmp_path):
    m = FakeModel({
        "man": [1, 0, 0], "woman": [1, 1, 0], "king": [1, 0, 1], "queen": [1, 1, 1],
        "paris": [0, 0, 1], "rare": [0.2, 0.9, 0.9],
    })
    f = tmp_path / "q.txt"
    f.write_text(": family\nman woman king queen\nMan King woman queen\n: other\nman woman paris zzz\n",
                 encoding="utf-8")
    r = ev.analogy(m, f)
    assert (r.correct, r.evaluated, r.total) == (2, 2, 3) and r.accuracy == 1.0
    assert r.sections["family"] == (2, 2) and r.sections["other"] == (0, 0)
    assert r.coverage == pytest.approx(2 / 3)
    # Restricted to the 3 most frequent words, "queen" is out: nothing is evaluated.
    r3 = ev.analogy(m, f, restrict_vocab=3)
    assert r3.evaluated == 0 and np.isnan(r3.accuracy)


@pytest.mark.skipif(not (SHARED_MODELS / "s2v.bin").exists() or not STSB_DEV.exists(),
                    reason="needs the shared data folder (s2v.bin, stsb-dev.tsv)")
def test_sts_with_a_real_sent2vec_model():
    m = sentvec.load_model(SHARED_MODELS / "s2v.bin")
    r = ev.sts(m, STSB_DEV)
    assert r.n == 1500 and 0.0 < r.spearman < 1.0
    # The same numbers through the per-sentence path (what an official model would use).

    class OneByOne:
        def get_sentence_vector(self, s):
            return m.get_sentence_vector(s)

    r2 = ev.sts(OneByOne(), STSB_DEV)
    np.testing.assert_allclose(r2.cosines, r.cosines, atol=1e-6)


@pytest.mark.skipif(not WS353.exists() or not QUESTIONS.exists(), reason="needs the shared word-similarity data")
def test_word_benchmarks_with_a_real_model():
    path = SHARED_MODELS / "ft-skipgram.bin"
    m = sentvec.load_model(path)
    ws = ev.word_similarity(m, WS353)
    assert ws.n_total == 353 and 0 < ws.oov_rate < 1 and -1 <= ws.spearman <= 1
    an = ev.analogy(m, QUESTIONS, restrict_vocab=30000)
    assert an.total == 19544 and 0 < an.evaluated < an.total and 0 <= an.accuracy <= 1
