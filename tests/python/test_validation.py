"""Validation while training (supervised): option 'validation' scores P@1, R@1 and the loss
after every epoch; 'earlyStop' stops after N epochs without a better P@1 and returns the best
epoch's model.

The figures are checked against ``Model.test`` of the model at that epoch: the checkpoint
written at the same epoch end (checkpoint_every=1) holds exactly that model.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import sentvec


def write_noisy(path, n, seed):
    """Four overlapping topics and 30% wrong labels: P@1 moves from epoch to epoch."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            t = int(rng.integers(0, 4))
            toks = [words[int(rng.integers(t * 10, t * 10 + 25))] for _ in range(6)]
            label = t if rng.random() > 0.3 else int(rng.integers(0, 4))
            extra = f" __label__x{label}" if rng.random() < 0.1 else ""
            f.write(f"__label__t{label}{extra} {' '.join(toks)}\n")
    return str(path)


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    d = tmp_path_factory.mktemp("noisy")
    return write_noisy(d / "train.txt", 3000, 1), write_noisy(d / "valid.txt", 400, 2)


OPTS = dict(dim=10, lr=0.8, wordNgrams=2, bucket=20000, thread=1, seed=5, verbose=0)


def python_loss(model, valid):
    """Mean over the lines of -log(p + 1e-5) of their gold labels, p from predict(k=-1)."""
    total, n = 0.0, 0
    for line in open(valid, encoding="utf-8"):
        toks = line.split()
        gold = [t for t in toks if t.startswith("__label__")]
        text = " ".join(t for t in toks if not t.startswith("__label__"))
        labels, probs = model.predict(text, k=-1)
        p = dict(zip(labels, probs))
        known = [g for g in gold if g in model.labels]
        if not known:
            continue
        total += sum(-math.log(min(p.get(g, 0.0), 1.0) if p.get(g, 0) > 0 else 1e-5) for g in known) / len(known)
        n += 1
    return total / n


def test_figures_per_epoch_equal_test_of_that_epochs_model(noisy, tmp_path, capfd):
    train, valid = noisy
    folder = tmp_path / "ck"
    seen = {}

    def cb(p):
        if p.validation_epoch:
            seen[p.validation_epoch] = (p.validation_precision, p.validation_recall, p.validation_loss, p.epoch)
        return True

    m = sentvec.train_supervised(train, epoch=6, validation=valid, checkpoint=str(folder), checkpointKeep=0,
                                 callback=cb, **dict(OPTS, verbose=2))
    hist = m.validation_history
    assert [h["epoch"] for h in hist] == [1, 2, 3, 4, 5, 6]
    assert sorted(seen) == [1, 2, 3, 4, 5, 6]  # the callback sees every epoch's figures
    assert len({h["precision"] for h in hist}) > 1  # the figures really move
    for h in hist:
        e = h["epoch"]
        assert seen[e][:3] == (h["precision"], h["recall"], h["loss"])
        # The model at the end of epoch e is the checkpoint written at that same point.
        at = m if e == 6 else sentvec.load_model(str(folder / f"ckpt-{e:06d}" / "model.bin"))
        n, p, r = at.test(valid)
        assert (n, p, r) == (h["examples"], h["precision"], h["recall"])
        assert h["loss"] == pytest.approx(python_loss(at, valid), rel=1e-4)
    assert m.best_epoch == 1 + int(np.argmax([h["precision"] for h in hist]))
    err = capfd.readouterr().err
    assert "epoch: 6 valid P@1: " in err and f"R@1: {hist[-1]['recall']:.4f}" in err


def test_validation_does_not_change_the_model(noisy, tmp_path):
    train, valid = noisy
    a = sentvec.train_supervised(train, epoch=4, **OPTS)
    b = sentvec.train_supervised(train, epoch=4, validation=valid, **OPTS)
    a.save_model(str(tmp_path / "a.bin"))
    b.save_model(str(tmp_path / "b.bin"))
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert a.validation_history == [] and a.best_epoch is None


def test_without_validation_the_fields_are_nan(noisy):
    calls = []
    sentvec.train_supervised(noisy[0], epoch=2, callback=calls.append, **OPTS)
    last = calls[-1]
    assert last.finished and last.epoch == 2 and last.validation_epoch == 0 and last.best_epoch == 0
    assert math.isnan(last.validation_precision) and math.isnan(last.validation_loss)


def test_early_stop_returns_the_best_epochs_model(noisy, tmp_path):
    train, valid = noisy
    folder = tmp_path / "ck"
    opts = dict(OPTS, lr=2.0, wordNgrams=3)
    m = sentvec.train_supervised(train, epoch=40, validation=valid, early_stop=2, checkpoint=str(folder),
                                 checkpointKeep=0, **opts)
    hist = m.validation_history
    ps = [h["precision"] for h in hist]
    best = m.best_epoch
    assert m.early_stopped and len(hist) < 40
    assert ps[best - 1] == max(ps) and len(hist) == best + 2  # stopped after 2 epochs without a better P@1
    assert all(p <= ps[best - 1] for p in ps[best:])
    # The returned model is the best epoch's: its test and its bytes equal that checkpoint's.
    assert m.test(valid)[1] == ps[best - 1]
    m.save_model(str(tmp_path / "m.bin"))
    assert (tmp_path / "m.bin").read_bytes() == (folder / f"ckpt-{best:06d}" / "model.bin").read_bytes()


def test_early_stop_resumes_to_the_same_model(noisy, tmp_path):
    train, valid = noisy
    opts = dict(OPTS, lr=2.0, wordNgrams=3, epoch=40, validation=valid, early_stop=3)
    plain = sentvec.train_supervised(train, **opts)
    plain.save_model(str(tmp_path / "plain.bin"))
    folder = tmp_path / "ck"
    # Stopped after the third epoch's checkpoint, then resumed: the same best model and history.
    sentvec.train_supervised(train, checkpoint=str(folder), callback=lambda p: p.checkpoints < 3, **opts)
    r = sentvec.train_supervised(train, resume=str(folder))
    r.save_model(str(tmp_path / "r.bin"))
    assert (tmp_path / "r.bin").read_bytes() == (tmp_path / "plain.bin").read_bytes()
    assert r.validation_history == plain.validation_history and r.best_epoch == plain.best_epoch


def test_bad_validation_file_fails_before_training(noisy, tmp_path):
    train, _ = noisy
    calls = []
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    unlabelled = tmp_path / "unlabelled.txt"
    unlabelled.write_text("w1 w2 w3\n__label__nobody zzz\n")
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        sentvec.train_supervised(train, validation=str(tmp_path / "missing.txt"), callback=calls.append, **OPTS)
    with pytest.raises(IsADirectoryError):
        sentvec.train_supervised(train, validation=str(tmp_path), callback=calls.append, **OPTS)
    with pytest.raises(ValueError, match="option 'validation': .*empty.txt is empty"):
        sentvec.train_supervised(train, validation=str(empty), callback=calls.append, **OPTS)
    with pytest.raises(ValueError, match="option 'validation': no line of .* has both a label and a word"):
        sentvec.train_supervised(train, validation=str(unlabelled), callback=calls.append, **OPTS)
    assert calls == []  # no training started
    with pytest.raises(ValueError, match="option 'earlyStop' needs option 'validation'"):
        sentvec.train_supervised(train, early_stop=2, **OPTS)
    with pytest.raises(ValueError, match="earlyStop.*>= 0"):
        sentvec.train_supervised(train, early_stop=-1, validation=str(empty), **OPTS)
    with pytest.raises(ValueError, match="unknown option 'validation' for a skipgram model"):
        sentvec.train_unsupervised(train, validation=str(empty), verbose=0)
    shutil.rmtree(tmp_path / "never", ignore_errors=True)
