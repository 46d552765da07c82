"""Real .bin files shipped in gensim's test data, old (no magic) and new, compared with gensim."""

from __future__ import annotations

import numpy as np
import pytest
import sentvec
from conftest import gensim_test_data

gensim = pytest.importorskip("gensim", reason="gensim is the oracle for the pre-2017 files")
from gensim.models.fasttext import load_facebook_model  # noqa: E402

GDATA = gensim_test_data()
pytestmark = pytest.mark.skipif(GDATA is None, reason="gensim's test data folder is not installed")

UNSUP = ["lee_fasttext.bin", "lee_fasttext_new.bin", "non_ascii_fasttext.bin",
         "crime-and-punishment.bin"]


@pytest.mark.parametrize("name", UNSUP)
@pytest.mark.parametrize("mmap", [False, True])
def test_unsupervised_files_match_gensim(name, mmap):
    ours = sentvec.load_model(GDATA / name, mmap=mmap)
    theirs = load_facebook_model(str(GDATA / name))
    words = ours.get_words()
    assert words == list(theirs.wv.index_to_key)
    _, freqs = ours.get_words(include_freq=True)
    np.testing.assert_array_equal(freqs, [theirs.wv.get_vecattr(w, "count") for w in words])
    got = ours.get_word_vectors(words)
    if ours.f.legacy:
        np.testing.assert_allclose(got, theirs.wv.vectors, atol=1e-5)
    else:
        # gensim composes "</s>" from char n-grams; fastText v11/v12 (the reference for these
        # files) does not: compare that row with official fastText instead.
        eos = words.index("</s>")
        keep = [i for i in range(len(words)) if i != eos]
        np.testing.assert_allclose(got[keep], theirs.wv.vectors[keep], atol=1e-5)
        fasttext = pytest.importorskip("fasttext")
        official = fasttext.load_model(str(GDATA / name))
        np.testing.assert_allclose(got[eos], official.get_word_vector("</s>"), atol=1e-6)
    for oov in ["zzzyyyx", "anarchist", "ünïcödé", "x"]:
        if oov in ours:
            continue
        np.testing.assert_allclose(ours.get_word_vector(oov), theirs.wv[oov], atol=1e-5)


def test_legacy_file_is_flagged_and_resaved_as_current(tmp_path):
    ours = sentvec.load_model(GDATA / "lee_fasttext.bin")
    assert ours.f.legacy
    out = tmp_path / "lee.bin"
    ours.save_model(out)
    again = sentvec.load_model(out)
    assert not again.f.legacy and again.f.version == 12
    np.testing.assert_array_equal(again.get_input_matrix(), ours.get_input_matrix())
    fasttext = pytest.importorskip("fasttext")
    official = fasttext.load_model(str(out))  # official fastText reads what we wrote
    for w in ["the", "government", "zzzyyyx"]:
        np.testing.assert_allclose(official.get_word_vector(w), ours.get_word_vector(w), atol=1e-6)


def test_cp852_words_are_not_utf8():
    ours = sentvec.load_model(GDATA / "cp852_fasttext.bin")
    theirs = load_facebook_model(str(GDATA / "cp852_fasttext.bin"))
    with pytest.raises(UnicodeDecodeError):
        ours.get_words()
    words = ours.get_words(on_unicode_error="replace")
    assert len(words) == len(theirs.wv.index_to_key)
    for i, w in enumerate(theirs.wv.index_to_key):
        if w.isascii() and "\\" not in w:  # gensim writes undecodable bytes as \\xNN
            assert words[i] == w
            np.testing.assert_allclose(ours.get_word_vector(w), theirs.wv.vectors[i], atol=1e-5)


def test_supervised_gensim_file_predicts_like_official():
    fasttext = pytest.importorskip("fasttext")
    path = GDATA / "pang_lee_polarity_fasttext.bin"
    ours = sentvec.load_model(path)
    theirs = fasttext.load_model(str(path))
    assert ours.get_labels() == theirs.get_labels()
    lines = ["this movie was great fun", "a dull , boring mess", "", "not bad at all"]
    l1, p1 = ours.predict(lines, k=2)
    l2, p2 = theirs.predict(lines, k=2)
    assert [list(x) for x in l1] == [list(x) for x in l2]
    for a, b in zip(p1, p2):
        np.testing.assert_allclose(a, b, atol=1e-5)
    for s in lines:
        np.testing.assert_allclose(ours.get_sentence_vector(s), theirs.get_sentence_vector(s), atol=1e-5)


def test_undecodable_words_round_trip_with_surrogateescape():
    """Words that are not UTF-8 come back as surrogate-escaped str and can be queried again."""
    ours = sentvec.load_model(GDATA / "cp852_fasttext.bin")
    words = ours.get_words(on_unicode_error="surrogateescape")
    assert any(not w.isascii() for w in words)
    assert [ours.get_word_id(w) for w in words] == list(range(len(words)))
    assert all(w in ours for w in words)
    # (gensim re-encodes cp852 words as UTF-8 before hashing their n-grams, so it is no oracle
    # here.) Each word's vector is the mean of the rows of its own bytes' subwords.
    inp = ours.get_input_matrix()
    vecs = ours.get_word_vectors(words)
    for i, w in enumerate(words):
        _, ids = ours.get_subwords(w, on_unicode_error="surrogateescape")
        assert ids[0] == i
        np.testing.assert_allclose(vecs[i], inp[ids].mean(axis=0), atol=1e-6)
    for w in words[:20]:
        np.testing.assert_array_equal(ours.get_word_vector(w), ours.get_word_vectors([w])[0])
        ours.get_nearest_neighbors(w, k=2, on_unicode_error="replace")
    # A lone surrogate that no bytes decode to is simply an unknown word, not an error.
    assert ours.get_word_id("\ud800abc") == -1
    ours.get_sentence_vector("\ud800 abc")
