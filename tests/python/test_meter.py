"""get_meter against official fastText's meter on models trained inside the test."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sentvec
from conftest import official_train

fasttext = pytest.importorskip("fasttext", reason="the official fasttext package is the oracle")

RECALLS = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0]
PRECISIONS = [0.0, 0.1, 0.3, 0.5, 0.6, 0.8, 0.9, 0.95, 1.0]


@pytest.fixture(scope="module")
def many_labels(tmp_path_factory):
    """Multi-label lines over 40 labels, some lines with a label listed twice or unknown."""
    rng = np.random.default_rng(3)
    p = tmp_path_factory.mktemp("meter") / "many.txt"
    with open(p, "w", encoding="utf-8") as f:
        for i in range(1200):
            lab = int(rng.integers(0, 40))
            labels = [f"__label__L{lab}"]
            if rng.random() < 0.3:
                labels.append(f"__label__L{(lab + 1 + int(rng.integers(0, 5))) % 40}")
            if i % 97 == 0:
                labels.append(labels[0])  # the same label twice: counted twice, as fastText does
            words = [f"w{lab}", f"v{lab % 7}", f"u{int(rng.integers(0, 30))}", "the"]
            if rng.random() < 0.3:
                words.append(f"w{int(rng.integers(0, 40))}")
            f.write(" ".join(labels + words) + "\n")
        f.write("__label__L1\n")  # no word: skipped
        f.write("just words\n")  # no label: skipped
    return p


@pytest.fixture(scope="module")
def models(tiny_labelled, many_labels, tmp_path_factory):
    d = tmp_path_factory.mktemp("meter-models")
    out = {}
    for loss in ["softmax", "ova", "hs"]:
        p = official_train(d / f"many-{loss}.bin", True, many_labels, loss=loss, dim=8, epoch=4,
                           lr=0.5, wordNgrams=2, bucket=2000, thread=1, verbose=0)
        out[loss] = (p, many_labels)
    p = official_train(d / "tiny.bin", True, tiny_labelled, dim=10, epoch=3, wordNgrams=2,
                       bucket=3000, minn=2, maxn=4, thread=1, verbose=0)
    out["tiny"] = (p, tiny_labelled)
    return out


def _same(a: float, b: float, tol: float = 1e-9) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol


def _check_scores(ours_pairs, theirs_pairs):
    """Sorted (score, gold) lists: same length, gold and miss counts; scores equal to float32
    rounding (the dot products are summed in another order)."""
    assert len(ours_pairs) == len(theirs_pairs)
    o = np.array(ours_pairs, dtype=np.float64).reshape(-1, 2)
    t = np.array(theirs_pairs, dtype=np.float64).reshape(-1, 2)
    np.testing.assert_allclose(o[:, 0], t[:, 0], rtol=1e-5, atol=1e-7)
    assert o[:, 1].sum() == t[:, 1].sum()
    assert (o[:, 0] == -1).sum() == (t[:, 0] == -1).sum()


def _official_meter_as_ours(tm, golds):
    """Our meter over the official meter's own scores: the curve algorithms compared exactly."""
    return sentvec._core.Meter.from_scores([tm.scoreVsTrue(i) for i in range(len(golds))], golds)


def _curve(tm, lid):
    return tm.precisionRecallCurve() if lid == -1 else tm.precisionRecallCurveLabel(lid)


@pytest.mark.parametrize("key", ["softmax", "ova", "hs", "tiny"])
@pytest.mark.parametrize("k", [1, 2, -1])
def test_curve_and_queries_exactly_as_official(models, key, k):
    path, data = models[key]
    theirs = fasttext.load_model(str(path))
    tm = theirs.f.getMeter(str(data), k)  # the pybind object: its _Meter wrapper breaks on numpy 2
    nlabels = len(theirs.get_labels())
    # Gold counts depend on the file only (a label listed twice counts twice).
    ours_meter = sentvec.load_model(path).get_meter(data, k)
    ours = _official_meter_as_ours(tm, [ours_meter.m.counts(i)[0] for i in range(nlabels)])
    for lid in [-1, *range(nlabels)]:
        assert ours.score_vs_true(lid) == tm.scoreVsTrue(lid)
        np.testing.assert_array_equal(np.array(ours.precision_recall_curve(lid)), np.array(_curve(tm, lid)))
        for x in RECALLS:
            want = tm.precisionAtRecall(x) if lid == -1 else tm.precisionAtRecallLabel(lid, x)
            assert ours.precision_at_recall(x, lid) == want, (lid, x)
        for x in PRECISIONS:
            want = tm.recallAtPrecision(x) if lid == -1 else tm.recallAtPrecisionLabel(lid, x)
            assert ours.recall_at_precision(x, lid) == want, (lid, x)


@pytest.mark.parametrize("key", ["softmax", "ova", "hs", "tiny"])
@pytest.mark.parametrize("k", [1, 2, -1])
def test_get_meter_matches_official(models, key, k):
    path, data = models[key]
    ours = sentvec.load_model(path)
    theirs = fasttext.load_model(str(path))
    m = ours.get_meter(data, k=k)
    tm = theirs.f.getMeter(str(data), k)
    labels = ours.get_labels()
    assert labels == theirs.get_labels()
    n, p, r = theirs.test(str(data), k if k > 0 else len(labels))
    assert m.nexamples == n
    assert _same(m.precision(), p) and _same(m.recall(), r)
    assert _same(m.f1_score(), 2 * p * r / (p + r))
    per_label = theirs.test_label(str(data), k if k > 0 else len(labels))
    for label in [None, *labels]:
        lid = -1 if label is None else theirs.get_label_id(label)
        if label is not None:
            for name, ours_fn in [("precision", m.precision), ("recall", m.recall), ("f1score", m.f1_score)]:
                assert _same(ours_fn(label), per_label[label][name]), (label, name)
            s, g = m.score_vs_true(label)
            assert s.dtype == np.float64 and g.dtype == np.float64
            _check_scores(list(zip(s, g)), tm.scoreVsTrue(lid))
        prec, rec = m.precision_recall_curve(label)
        assert isinstance(prec, np.ndarray) and prec.dtype == np.float64 and rec.dtype == np.float64
        # Scores equal to the last float bit or not decide which predictions tie (one point
        # per distinct score), so a few points may differ; the rest is the same curve.
        ours_pts = {(round(a, 9), round(b, 9)) for a, b in zip(prec, rec)}
        theirs_pts = {(round(a, 9), round(b, 9)) for a, b in _curve(tm, lid)}
        assert len(ours_pts ^ theirs_pts) <= max(2, len(theirs_pts) // 100), label
        for x in RECALLS:
            want = tm.precisionAtRecall(x) if label is None else tm.precisionAtRecallLabel(lid, x)
            got = m.precision_at_recall(x, label)
            assert isinstance(got, float) and abs(got - want) < 0.01, (label, x, got, want)
        for x in PRECISIONS:
            want = tm.recallAtPrecision(x) if label is None else tm.recallAtPrecisionLabel(lid, x)
            assert abs(m.recall_at_precision(x, label) - want) < 0.01, (label, x)


def test_get_meter_hand_checked(tmp_path):
    """A case small enough to check by hand: one label always predicted, the other never."""
    train = tmp_path / "t.txt"
    train.write_text("__label__a x y\n" * 30 + "__label__b x y\n" * 10, encoding="utf-8")
    model = sentvec.train_supervised(train, epoch=5, lr=0.5, dim=4, thread=1, verbose=0, seed=1)
    m = model.get_meter(train, k=1)
    assert m.nexamples == 40
    assert m.counts("__label__a") == {"gold": 30, "predicted": 40, "predicted_gold": 30}
    assert m.precision("__label__a") == pytest.approx(0.75) and m.recall("__label__a") == 1.0
    assert math.isnan(m.precision("__label__b")) and m.recall("__label__b") == 0.0
    assert m.f1_score("__label__b") == 0.0
    # every example has the same features, so one score: a single point, then (1, 0)
    prec, rec = m.precision_recall_curve("__label__a")
    assert list(prec) == [0.75, 1.0] and list(rec) == [1.0, 0.0]
    s, g = m.score_vs_true("__label__b")
    assert list(s) == [-1.0] * 10 and list(g) == [1.0] * 10  # misses only: no curve
    assert m.precision_recall_curve("__label__b")[0].size == 0
    assert m.precision_at_recall(0.5, "__label__b") == 0.0
    # overall: the misses of b cap the recall at 0.75
    assert m.precision_at_recall(0.75) == 0.75 and m.precision_at_recall(0.8) == 0.0
    assert m.recall_at_precision(0.7) == 0.75 and m.recall_at_precision(0.8) == 0.0


def test_get_meter_errors(models, tmp_path):
    path, data = models["tiny"]
    ours = sentvec.load_model(path)
    m = ours.get_meter(data)
    with pytest.raises(ValueError, match="unknown label"):
        m.precision_at_recall(0.5, "__label__nope")
    with pytest.raises(ValueError, match="k must be"):
        ours.get_meter(data, k=0)
    with pytest.raises(FileNotFoundError):
        ours.get_meter(tmp_path / "missing.txt")
    unsup = tmp_path / "u.txt"
    unsup.write_text("a b c d e f\n" * 50, encoding="utf-8")
    u = sentvec.train_unsupervised(unsup, minCount=1, dim=4, epoch=1, thread=1, verbose=0)
    with pytest.raises(ValueError, match="supervised"):
        u.get_meter(unsup)
