"""Word n-gram hashing: sent2vec's structural collision reproduces, sentvec's scheme has none
(DESIGN.md section 3, issue 4)."""

from __future__ import annotations

import itertools
import lzma

import numpy as np
import pytest
import sentvec
from conftest import SHARED
from sentvec.ngrams import token_key

EN = SHARED / "data" / "corpus" / "en.txt.xz"


def rows_by_span(tokens, n, bucket, scheme, masked=()):
    return {(s, e): r for s, e, r in sentvec.ngram_ids(tokens, n, bucket, scheme, masked=masked)}


def test_sent2vec_masked_prefix_collides():
    ids = [5, 9, 4, 7, 3, 8]  # word ids; positions 0 and 1 masked -> placeholder id 0
    rows = rows_by_span(ids, 6, 2_000_000, "sent2vec", masked=[0, 1])
    assert rows[0, 6] == rows[2, 6] == rows[1, 6]
    assert rows[0, 4] == rows[1, 4] == rows[2, 4]
    # The 64-bit keys themselves coincide: no bucket size can separate them.
    keys = {(s, e): k for s, e, _, k in sentvec.ngram_ids(ids, 6, 7, "sent2vec", [0, 1], keys=True)}
    assert keys[0, 6] == keys[2, 6]
    # Spans of placeholders collapse across lengths too.
    zero = sentvec.ngram_ids([0, 0, 0, 0], 4, 1000, "sent2vec", keys=True)
    assert len({k for *_, k in zero}) == 1


def test_sentvec_never_lets_masked_tokens_into_ngrams():
    toks = ["the", "cat", "sat", "on", "the", "mat"]
    got = sentvec.ngram_ids(toks, 6, 2_000_000, "sentvec", masked=[0, 1])
    assert got and all(s >= 2 for s, _, _ in got)
    masked_mid = sentvec.ngram_ids(toks, 3, 2_000_000, "sentvec", masked=[3])
    assert all(not (s <= 3 < e) for s, e, _ in masked_mid)
    assert {(s, e) for s, e, _ in masked_mid} == {(0, 2), (0, 3), (1, 3), (4, 6)}


def test_sentvec_distinct_spans_have_distinct_keys_and_same_span_same_key():
    toks = ["a", "b", "a", "b", "c", "a", "b", "a", "b", "c", "a"]
    res = sentvec.ngram_ids(toks, 6, 2_000_000, "sentvec", keys=True)
    by_content = {}
    for s, e, r, k in res:
        content = tuple(toks[s:e])
        if content in by_content:
            assert by_content[content] == (r, k)  # same span, same row and key
        by_content[content] = (r, k)
    keys = [k for r, k in by_content.values()]
    assert len(set(keys)) == len(keys)  # different spans, different 64-bit keys
    # Same-token runs: keys differ by length only, and differ.
    run = sentvec.ngram_ids(["x"] * 6, 6, 1000, "sentvec", keys=True)
    assert len({k for *_, k in run}) == 5
    # The same span gets the same row wherever it occurs and whatever surrounds it.
    a = rows_by_span(["new", "york", "city", "is", "big"], 3, 2_000_000, "sentvec")
    b = rows_by_span(["i", "love", "new", "york", "city"], 3, 2_000_000, "sentvec")
    assert a[0, 3] == b[2, 5] and a[0, 2] == b[2, 4]


def test_ngram_ids_shape_and_errors():
    toks = list("abcdef")
    got = sentvec.ngram_ids(toks, 3, 100)
    assert [(s, e) for s, e, _ in got] == [(0, 2), (0, 3), (1, 3), (1, 4), (2, 4), (2, 5), (3, 5), (3, 6), (4, 6)]
    assert all(0 <= r < 100 for _, _, r in got)
    assert sentvec.ngram_ids(toks, 1, 100) == []
    _s, _e, r, k = sentvec.ngram_ids(toks, 3, 100, keys=True, arrays=True)
    assert k.dtype == np.uint64 and np.array_equal(r, (k % np.uint64(100)).astype(np.int64))
    with pytest.raises(TypeError, match="int word id"):
        sentvec.ngram_ids(toks, 2, 100, "sent2vec")
    with pytest.raises(TypeError, match="str"):
        sentvec.ngram_ids([1, 2], 2, 100, "sentvec")
    with pytest.raises(ValueError, match="scheme"):
        sentvec.ngram_ids(toks, 2, 100, "bogus")
    with pytest.raises(ValueError, match="masked"):
        sentvec.ngram_ids(toks, 2, 100, masked=[6])
    with pytest.raises(ValueError, match="bucket"):
        sentvec.ngram_ids(toks, 2, 0)
    with pytest.raises(TypeError):
        sentvec.ngram_ids("a b", 2, 10)


def test_fasttext_scheme_is_the_polynomial():
    toks = ["hello", "wörld", "x"]
    h = [sentvec._core._testing.fnv1a32(t.encode()) for t in toks]
    h = [x - (1 << 32) if x >= 1 << 31 else x for x in h]  # fastText widens int32 sign-extended
    mask = (1 << 64) - 1
    k01 = ((h[0] & mask) * 116049371 + (h[1] & mask)) & mask
    k012 = (k01 * 116049371 + (h[2] & mask)) & mask
    got = sentvec.ngram_ids(toks, 3, 1000, "fasttext", keys=True)
    assert got[0] == (0, 2, k01 % 1000, k01) and got[1] == (0, 3, k012 % 1000, k012)


def test_token_keys_are_pinned():
    # The keys decide the rows of every saved sentvec model: they must never change.
    assert token_key("hello") == 4078472715371875859
    assert token_key("") == 16675897830429670375
    assert token_key("naïve-straße") == 16475384219736250657
    assert sentvec.ngram_ids(["new", "york", "city"], 3, 2_000_000, keys=True) == [
        (0, 2, 845335, 3806688616562845335),
        (0, 3, 1448492, 4773859217395448492),
        (1, 3, 307560, 7652866298722307560),
    ]
    # Byte-level: distinct orders, lengths and non-ASCII bytes give distinct keys.
    words = ["ab", "ba", "a", "b", "abc", "abcdefgh", "abcdefghi", "abcdefgh\x00", "é", "e\u0301", ""]
    assert len({token_key(w) for w in words}) == len(words)


def test_all_short_spans_of_a_small_alphabet_are_distinct():
    # Every sequence of 2..4 tokens over 12 words: 12^2 + 12^3 + 12^4 = 22,608 distinct spans.
    alphabet = [f"w{i}" for i in range(12)]
    keys = []
    for n in (2, 3, 4):
        for combo in itertools.product(alphabet, repeat=n):
            (_, _, _, k) = sentvec.ngram_ids(list(combo), n, 1, keys=True)[n - 2]
            keys.append(k)
    assert len(set(keys)) == len(keys) == 12**2 + 12**3 + 12**4


@pytest.fixture(scope="module")
def corpus_ngrams():
    if not EN.exists():
        pytest.skip(f"needs the English corpus {EN} (shared data folder not present)")
    with lzma.open(EN, "rb") as f:
        data = f.read(10_000_000)
    toks = data[: data.rfind(b"\n")].decode("utf-8").split()
    vocab: dict = {}
    ids = np.array([vocab.setdefault(w, len(vocab)) for w in toks], dtype=np.int64)
    s, e, _, k = sentvec.ngram_ids(toks, 3, 1, keys=True, arrays=True)
    v = len(vocab) + 1  # id v-1 marks "no third token"
    third = np.where(e - s == 3, ids[np.minimum(s + 2, len(ids) - 1)], v - 1)
    code = (ids[s] * v + ids[s + 1]) * v + third  # exact identity of the span's content
    distinct_keys = np.sort(k)
    distinct_keys = distinct_keys[np.append(True, distinct_keys[1:] != distinct_keys[:-1])]
    return code, k, distinct_keys


def _distinct(a):
    a = np.sort(a)
    return 1 + int(np.count_nonzero(a[1:] != a[:-1])) if a.size else 0


def test_corpus_zero_key_collisions(corpus_ngrams):
    code, k, distinct_keys = corpus_ngrams
    order = np.argsort(code)
    sc, sk = code[order], k[order]
    same = sc[1:] == sc[:-1]
    assert np.array_equal(sk[1:][same], sk[:-1][same]), "the same span got different keys"
    n_spans = _distinct(code)
    assert n_spans > 2_000_000, n_spans  # millions of distinct bigrams and trigrams
    assert len(distinct_keys) == n_spans, "two different spans share a 64-bit key"


@pytest.mark.parametrize("bucket", [10007, 1 << 16])
def test_corpus_buckets_are_uniform(corpus_ngrams, bucket):
    keys = corpus_ngrams[2]  # one per distinct n-gram
    counts = np.bincount((keys % np.uint64(bucket)).astype(np.int64), minlength=bucket)
    expected = len(keys) / bucket
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    dof = bucket - 1
    # chi-square with dof degrees of freedom: mean dof, sd sqrt(2 dof); 5 sd is p < 1e-6.
    assert abs(chi2 - dof) < 5 * np.sqrt(2 * dof), (chi2, dof)
    try:
        from scipy.stats import chi2 as chi2_dist
    except ImportError:  # pragma: no cover
        return
    assert chi2_dist.sf(chi2, dof) > 1e-6


def test_corpus_default_bucket_occupancy(corpus_ngrams):
    # With 2M buckets the counts are Poisson: empty buckets match B * exp(-N/B).
    keys = corpus_ngrams[2]
    bucket = 2_000_000
    counts = np.bincount((keys % np.uint64(bucket)).astype(np.int64), minlength=bucket)
    lam = len(keys) / bucket
    p0 = np.exp(-lam)
    empty = int((counts == 0).sum())
    assert abs(empty - bucket * p0) < 6 * np.sqrt(bucket * p0 * (1 - p0)), (empty, bucket * p0)
