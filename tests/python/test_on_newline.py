"""predict / embed_sentences with on_newline="error" (fastText's rule), "join" and "split"."""

from __future__ import annotations

import numpy as np
import pytest
import sentvec

OPTS = dict(dim=10, epoch=3, wordNgrams=2, bucket=3000, minn=2, maxn=4, thread=1, verbose=0, seed=3)
DOCS = [
    "bread cheese oven\nball goal team\n",
    "guitar drum\n\n  \nsong piano tune",
    "the a très",
    "",
    "\n\n",
]


@pytest.fixture(scope="module")
def sup(tiny_labelled):
    return sentvec.train_supervised(str(tiny_labelled), **OPTS)


@pytest.fixture(scope="module")
def unsup(tiny_corpus):
    return sentvec.train_unsupervised(str(tiny_corpus), model="skipgram", dim=8, epoch=1, thread=1,
                                      verbose=0, minCount=2)


def by_hand_lines(doc):
    lines = [x for x in doc.split("\n") if x.strip()]
    return lines or [""]


def test_default_is_fasttexts_error(sup):
    with pytest.raises(ValueError, match="one line"):
        sup.predict("bread\ncheese")
    with pytest.raises(ValueError, match=r"text\[1\]"):
        sup.predict(["bread", "bread\ncheese"])
    with pytest.raises(ValueError, match=r"sentences\[0\]"):
        sup.embed_sentences(["bread\ncheese"])


def test_unknown_mode_is_rejected(sup):
    for call in (lambda: sup.predict("x", on_newline="merge"),
                 lambda: sup.embed_sentences(["x"], on_newline="merge")):
        with pytest.raises(ValueError, match="on_newline must be one of error, join, split"):
            call()
    with pytest.raises(TypeError, match=r"text\[1\] must be a str"):
        sup.predict(["a", 3], on_newline="split")


def test_join_scores_a_document_as_one_line(sup):
    joined = [d.replace("\n", " ") for d in DOCS]
    got = sup.predict(DOCS, k=3, on_newline="join")
    want = sup.predict(joined, k=3)
    assert got[0] == want[0]
    np.testing.assert_array_equal(np.array(got[1]), np.array(want[1]))
    one = sup.predict(DOCS[0], k=2, on_newline="join")
    assert isinstance(one[0], tuple) and one[0] == sup.predict(joined[0], k=2)[0]
    np.testing.assert_array_equal(sup.embed_sentences(DOCS, on_newline="join"), sup.embed_sentences(joined))


def test_join_matches_official_fasttext_on_the_joined_line(sup, tmp_path):
    fasttext = pytest.importorskip("fasttext")
    sup.save_model(tmp_path / "m.bin")
    official = fasttext.load_model(str(tmp_path / "m.bin"))
    got_labels, got_probs = sup.predict(DOCS, k=2, on_newline="join")
    for doc, labels, probs in zip(DOCS, got_labels, got_probs):
        (ol,), (op,) = official.predict([doc.replace("\n", " ")], k=2)  # its one-line form needs numpy 1
        assert list(ol) == labels
        np.testing.assert_allclose(probs, op, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(sup.embed_sentences([doc], on_newline="join")[0],
                                   official.get_sentence_vector(doc.replace("\n", " ")), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("which", ["sup", "unsup"])
def test_split_embeds_the_mean_of_the_lines(which, request):
    m = request.getfixturevalue(which)
    got = m.embed_sentences(DOCS, on_newline="split")
    assert got.shape == (len(DOCS), m.get_dimension()) and got.dtype == np.float32
    for doc, row in zip(DOCS, got):
        want = np.mean([m.get_sentence_vector(x) for x in by_hand_lines(doc)], axis=0)
        np.testing.assert_allclose(row, want, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(got[3], m.get_sentence_vector(""))  # no line: the empty line
    assert m.embed_sentences([], on_newline="split").shape == (0, m.get_dimension())


def split_by_hand(m, doc, k, threshold):
    nlab = len(m.get_labels())
    total: dict[str, float] = {}
    lines = by_hand_lines(doc)
    for line in lines:
        labels, probs = m.predict(line, k=nlab)
        for label, p in zip(labels, probs):
            total[label] = total.get(label, 0.0) + float(p)
    mean = {label: p / len(lines) for label, p in total.items()}
    ranked = sorted(mean.items(), key=lambda kv: -kv[1])[:k]
    return [(label, p) for label, p in ranked if p >= threshold]


@pytest.mark.parametrize("k,threshold", [(1, 0.0), (2, 0.0), (4, 0.3)])
def test_split_averages_label_probabilities_over_lines(sup, k, threshold):
    labels, probs = sup.predict(DOCS, k=k, threshold=threshold, on_newline="split")
    assert len(labels) == len(DOCS)
    for doc, ls, ps in zip(DOCS, labels, probs):
        want = split_by_hand(sup, doc, k, threshold)
        assert ls == [label for label, _ in want]
        np.testing.assert_allclose(ps, [p for _, p in want], rtol=1e-6)
        assert ps.dtype == sup.predict(["x"])[1][0].dtype  # a list: float32 arrays, as official


def test_split_differs_from_join_on_a_mixed_document(sup):
    # One food line and one sport line: split puts both labels near one half; one line would not.
    doc = "bread cheese oven flour\nball goal team coach"
    (l1, l2), (p1, p2) = sup.predict(doc, k=2, on_newline="split")
    assert {l1, l2} == {"__label__food", "__label__sport"}
    lf, pf = sup.predict("bread cheese oven flour", k=1)
    assert lf[0] == "__label__food" and p1 < pf[0]
    one = sup.predict(doc, k=1, on_newline="split")
    assert isinstance(one[0], tuple) and one[0] == (l1,)


def test_split_with_a_threshold_above_every_mean_gives_nothing(sup):
    labels, probs = sup.predict(["bread cheese\nball goal"], k=3, threshold=0.99, on_newline="split")
    assert labels == [[]] and probs[0].shape == (0,)
