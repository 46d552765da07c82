"""Autotune: reproducible with seed and thread=1, size limit honoured, Ctrl-C, callback, errors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sentvec


def _write(path, rng, n, vocab=60):
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            lab = int(rng.integers(0, 12))
            words = [f"w{lab}" if rng.random() < 0.5 else f"x{int(rng.integers(0, vocab))}" for _ in range(6)]
            words += [f"v{(lab * 7) % 12}", "the"]
            rng.shuffle(words)
            f.write(f"__label__L{lab} " + " ".join(words) + "\n")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("autotune")
    rng = np.random.default_rng(21)
    _write(d / "train.txt", rng, 800)
    _write(d / "valid.txt", rng, 200)
    return d / "train.txt", d / "valid.txt"


@pytest.fixture(scope="module")
def big_vocab(tmp_path_factory):
    """3000 rare words: a dense model of more than a few dimensions does not fit in 25 KB."""
    d = tmp_path_factory.mktemp("autotune-big")
    rng = np.random.default_rng(22)
    _write(d / "train.txt", rng, 1500, vocab=3000)
    _write(d / "valid.txt", rng, 200, vocab=3000)
    return d / "train.txt", d / "valid.txt"


def _tune(data, **kw):
    train, valid = data
    opts = dict(autotuneValidationFile=valid, autotuneDuration=1, thread=1, verbose=0, seed=5)
    opts.update(kw)
    return sentvec.train_supervised(train, **opts)


def test_seeded_single_thread_runs_are_identical(data, tmp_path):
    a = _tune(data)
    b = _tune(data)
    ra, rb = a.autotune_result, b.autotune_result
    assert ra.deterministic and len(ra.trials) >= 3
    assert dict(ra) == dict(rb) and ra.score == rb.score
    assert [t["options"] for t in ra.trials] == [t["options"] for t in rb.trials]
    assert [t["score"] for t in ra.trials] == [t["score"] for t in rb.trials]
    a.save_model(tmp_path / "a.bin")
    b.save_model(tmp_path / "b.bin")
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    # the chosen options are the model's options
    for k in ("lr", "epoch", "dim", "wordNgrams", "minn", "maxn"):
        assert getattr(a, k) == ra[k], k


def test_result_is_the_best_trial_and_the_model_scores_it(data):
    train, valid = data
    m = _tune(data)
    r = m.autotune_result
    scores = [t["score"] for t in r.trials if not math.isnan(t["score"])]
    assert r.score == max(scores)
    assert r.trials[0]["options"]["lr"] == 0.1 and r.trials[0]["options"]["epoch"] == 5  # the user's
    assert r.score >= r.trials[0]["score"]
    assert m.get_meter(valid, k=1).f1_score() == pytest.approx(r.score, abs=1e-12)
    # retraining with the chosen options gives the same model (same seed, one thread)
    again = sentvec.train_supervised(train, thread=1, verbose=0, seed=5, **r.training_options())
    np.testing.assert_array_equal(again.get_output_matrix(), m.get_output_matrix())


def test_other_metrics_are_what_the_meter_says(data):
    _, valid = data
    m = _tune(data, autotuneMetric="precisionAtRecall:30", autotunePredictions=2)
    assert m.get_meter(valid, k=2).precision_at_recall(0.3) == pytest.approx(m.autotune_result.score, abs=1e-12)
    m = _tune(data, autotuneMetric="f1:__label__L3")
    assert m.get_meter(valid, k=1).f1_score("__label__L3") == pytest.approx(m.autotune_result.score, abs=1e-12)
    m = _tune(data, autotuneMetric="recallAtPrecision:50:__label__L1", autotunePredictions=-1)
    got = m.get_meter(valid, k=-1).recall_at_precision(0.5, "__label__L1")
    assert got == pytest.approx(m.autotune_result.score, abs=1e-12)


@pytest.mark.parametrize(("which", "size"), [("data", "25K"), ("big_vocab", "25K"), ("big_vocab", "60000")])
def test_model_size_is_honoured(request, tmp_path, which, size):
    data = request.getfixturevalue(which)
    _, valid = data
    limit = sentvec._core.parse_model_size(size)
    m = _tune(data, autotuneModelSize=size, autotuneDuration=2, wordNgrams=2)
    r = m.autotune_result
    out = tmp_path / "m.ftz"
    m.save_model(out)
    assert out.stat().st_size <= limit
    assert r.file_size == out.stat().st_size and r.model_size_limit == limit
    assert r["quantized"] == m.is_quantized()
    assert m.get_meter(valid, k=1).f1_score() == pytest.approx(r.score, abs=1e-12)
    again = sentvec.load_model(out)
    assert again.predict("w3 the v9") == m.predict("w3 the v9")


def test_model_size_deterministic(big_vocab, tmp_path):
    a = _tune(big_vocab, autotuneModelSize="25K", autotuneDuration=2, wordNgrams=2)
    b = _tune(big_vocab, autotuneModelSize="25K", autotuneDuration=2, wordNgrams=2)
    a.save_model(tmp_path / "a.ftz")
    b.save_model(tmp_path / "b.ftz")
    assert a.is_quantized() and dict(a.autotune_result) == dict(b.autotune_result)
    assert (tmp_path / "a.ftz").read_bytes() == (tmp_path / "b.ftz").read_bytes()


def test_callback_sees_the_search_and_can_stop_it(data):
    seen = []
    m = _tune(data, autotuneDuration=2, callback=seen.append)
    assert seen and seen[-1].finished and seen[-1].progress == 1.0
    assert all(0.0 <= p.progress <= 1.0 for p in seen)
    assert all(b.progress >= a.progress - 1e-9 for a, b in zip(seen, seen[1:]))
    assert len(m.autotune_result.trials) >= 3

    calls = []

    def stop_after_two_trials(p):
        calls.append(p)
        return len(calls) < 2  # stops during the first trials

    m = _tune(data, autotuneDuration=1000, callback=stop_after_two_trials)
    assert len(m.autotune_result.trials) < 5  # stopped long before its budget
    assert m.predict("w3 the")[0]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(autotuneMetric="f2"), "autotuneMetric"),
        (dict(autotuneMetric="f1:"), "autotuneMetric"),
        (dict(autotuneMetric="precisionAtRecall"), "autotuneMetric"),
        (dict(autotuneMetric="precisionAtRecall:abc"), "autotuneMetric"),
        (dict(autotuneMetric="recallAtPrecision:150"), "autotuneMetric"),
        (dict(autotuneMetric="recallAtPrecision:0:__label__L1"), "autotuneMetric"),
        (dict(autotuneMetric="f1:__label__nope"), "not a label"),
        (dict(autotuneModelSize="2X"), "autotuneModelSize"),
        (dict(autotuneModelSize="-1M"), "autotuneModelSize"),
        (dict(autotuneModelSize="10"), "autotuneModelSize"),  # 10 bytes hold no model
        (dict(autotunePredictions=0), "autotunePredictions"),
        (dict(autotuneDuration=0), "autotuneDuration"),
    ],
)
def test_bad_autotune_options_are_clear_value_errors(data, kw, match):
    with pytest.raises(ValueError, match=match):
        _tune(data, **kw)


def test_autotune_options_without_a_validation_file(data):
    train, _ = data
    with pytest.raises(ValueError, match="autotuneModelSize.*autotuneValidationFile"):
        sentvec.train_supervised(train, autotuneModelSize="2M", verbose=0)
    with pytest.raises(ValueError, match="autotuneMetric"):
        sentvec.train_supervised(train, autotuneMetric="f2", verbose=0)
    with pytest.raises(FileNotFoundError):
        sentvec.train_supervised(train, autotuneValidationFile=train.parent / "missing.txt", verbose=0)


def test_parsers():
    p = sentvec._core.parse_autotune_metric
    assert p("f1") == ("f1", 0.0, "")
    assert p("f1:__label__a") == ("f1", 0.0, "__label__a")
    assert p("precisionAtRecall:30") == ("precisionAtRecall", 0.3, "")
    assert p("recallAtPrecision:12.5:__label__x:y") == ("recallAtPrecision", 0.125, "__label__x:y")
    s = sentvec._core.parse_model_size
    assert s("") == -1 and s("2M") == 2_000_000 and s("500k") == 500_000 and s("1G") == 10**9
    assert s("123456") == 123456


INTERRUPT_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys, threading, time
    import sentvec
    train, valid, size = sys.argv[1], sys.argv[2], sys.argv[3]
    marks = {}
    def fire():
        marks['sent'] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(1.5, fire).start()
    try:
        sentvec.train_supervised(train, autotuneValidationFile=valid, autotuneDuration=100000,
                                 autotuneModelSize=size, wordNgrams=2, thread=1, verbose=0)
        result = 'finished'
    except KeyboardInterrupt:
        result = 'interrupted'
    marks['done'] = time.monotonic()
    left = [f for f in os.listdir(os.environ['TMPDIR']) if f.startswith('sentvec-autotune')]
    print(json.dumps({'result': result, 'delay': marks['done'] - marks.get('sent', 0),
                      'threads': threading.active_count(), 'left': left}))
""")


@pytest.mark.parametrize("size", ["", "25K"])
def test_ctrl_c_stops_autotune(big_vocab, tmp_path, size):
    """Ctrl-C during training, evaluation or quantization raises KeyboardInterrupt (the budget
    is days); nothing is left behind (threads, the size check's temporary files)."""
    script = tmp_path / "interrupt.py"
    script.write_text(INTERRUPT_SCRIPT)
    env = dict(os.environ, TMPDIR=str(tmp_path))
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.run([sys.executable, str(script), str(big_vocab[0]), str(big_vocab[1]), size],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["result"] == "interrupted"
    assert r["threads"] == 1 and r["left"] == []


def test_cli_autotune_honours_the_size_and_prints_the_options(big_vocab, tmp_path, capsys):
    from sentvec import cli

    out = tmp_path / "m"
    rc = cli.main(["supervised", "-input", str(big_vocab[0]), "-output", str(out), "-autotune-validation",
                   str(big_vocab[1]), "-autotune-duration", "2", "-autotune-modelsize", "25K",
                   "-wordNgrams", "2", "-thread", "1", "-seed", "5", "-verbose", "0"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "autotune: best options:" in err and "-quantized True" in err
    ftz = tmp_path / "m.ftz"
    assert ftz.stat().st_size <= 25_000 and not (tmp_path / "m.bin").exists()
    # the same choice as the API makes with the same seed
    api = _tune(big_vocab, autotuneModelSize="25K", autotuneDuration=2, wordNgrams=2)
    api.save_model(tmp_path / "api.ftz")
    assert ftz.read_bytes() == (tmp_path / "api.ftz").read_bytes()
