"""SIMD levels (DESIGN.md section 8): SENTVEC_SIMD picks the kernels, every level the machine
has gives scalar's results within float tolerance (row sums bit for bit) and the same results
on every run, and the oracle and golden tests pass at every level. Each level runs in a fresh
interpreter, since the level is chosen once per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sentvec
from conftest import REPO, TESTDATA

LEVELS = ("scalar", "avx2")

# Trains tiny models with thread=1 and a seed, queries a golden model, and saves everything.
SCRIPT = r"""
import sys, numpy as np, sentvec, sentvec._core as core
corpus, labelled, golden, out = sys.argv[1:5]
res = {"level": np.array(core.simd_level())}
for name, path, opts in [
    ("skipgram", corpus, dict(model="skipgram", dim=16, epoch=2, minCount=1, bucket=2000)),
    ("cbow", corpus, dict(model="cbow", dim=16, epoch=2, minCount=1, bucket=2000, loss="hs")),
    ("sent2vec", corpus, dict(model="sent2vec", dim=16, epoch=2, minCount=1, bucket=2000)),
]:
    m = sentvec.train_unsupervised(path, thread=1, seed=3, verbose=0, **opts)
    res[name] = m.get_input_matrix().copy()
for loss in ("softmax", "ova", "hs", "ns"):
    m = sentvec.train_supervised(labelled, thread=1, seed=3, verbose=0, dim=10, epoch=3, lr=0.5,
                                 wordNgrams=2, bucket=2000, loss=loss)
    res["sup-" + loss] = m.get_input_matrix().copy()
g = sentvec.load_model(golden)
lines = [l.rstrip("\n") for l in open(golden + ".sentences.txt", encoding="utf-8")][:100]
res["embed"] = g.embed_sentences(lines)
labels, probs = g.predict(lines, k=3)
res["probs"] = np.array(probs, dtype=np.float64)
res["labels"] = np.array([" ".join(x) for x in labels])
np.savez(out, **res)
"""


def _run(level: str | None, code: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("SENTVEC_SIMD", None)
    if level is not None:
        env["SENTVEC_SIMD"] = level
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600)


def _level_of(value: str | None) -> tuple[str, str]:
    r = _run(value, "import sentvec._core as c; print(c.simd_level())")
    assert r.returncode == 0, r.stderr
    return r.stdout.strip(), r.stderr


def _available() -> list[str]:
    return [lv for lv in LEVELS if _level_of(lv) == (lv, "")]


AVAILABLE = _available()


def test_default_is_the_best_level_and_override_is_honoured():
    best = AVAILABLE[-1]
    assert _level_of(None) == (best, "")
    assert _level_of("") == (best, "")
    assert "scalar" in AVAILABLE  # every machine has it
    for lv in AVAILABLE:
        assert _level_of(lv) == (lv, "")
    assert sentvec._core.simd_level() in AVAILABLE


def test_unknown_or_unsupported_level_warns_and_falls_back():
    best = AVAILABLE[-1]
    level, err = _level_of("avx9000")
    assert level == best
    assert "SENTVEC_SIMD=avx9000 is not a level (scalar, avx2)" in err and f"using {best}" in err
    for lv in LEVELS:
        if lv not in AVAILABLE:
            level, err = _level_of(lv)
            assert level == best and f"has no {lv}" in err


@pytest.fixture(scope="module")
def per_level(tmp_path_factory, tiny_corpus, tiny_labelled):
    golden = TESTDATA / "golden" / "ft-supervised.ftz"
    d = tmp_path_factory.mktemp("simd")
    out = {}
    for lv in AVAILABLE:
        runs = []
        for i in range(2):
            p = d / f"{lv}-{i}.npz"
            r = _run(lv, SCRIPT, tiny_corpus, tiny_labelled, golden, p)
            assert r.returncode == 0, r.stderr
            runs.append(dict(np.load(p)))
        out[lv] = runs
    return out


def test_every_level_repeats_itself_exactly(per_level):
    for lv, (a, b) in per_level.items():
        assert str(a["level"]) == lv
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{lv} {key}")


def test_every_level_matches_scalar(per_level):
    ref = per_level["scalar"][0]
    for lv, (a, _) in per_level.items():
        for key in ref:
            if key in ("level", "labels", "embed", "probs"):
                continue
            # Only the rounding of dot products differs (an ulp each), but thousands of
            # Hogwild steps at lr 0.5 let it grow: measured up to 3e-4 on values up to 3.
            np.testing.assert_allclose(a[key], ref[key], atol=1e-3, rtol=0, err_msg=f"{lv} {key}")
            assert np.abs(a[key] - ref[key]).max() < 1e-3 * np.abs(ref[key]).max()
        # Queries of a golden model: one rounding step apart.
        np.testing.assert_allclose(a["probs"], ref["probs"], atol=1e-6, rtol=0)
        # Sums of rows are exact at every level: embeddings bit for bit.
        np.testing.assert_array_equal(a["embed"], ref["embed"])
        np.testing.assert_array_equal(a["labels"], ref["labels"])


@pytest.mark.parametrize("level", AVAILABLE[:-1])
def test_oracle_and_golden_at_other_levels(level):
    """The default (best) level runs these files in the main suite; here every other level
    the machine has does (scalar is fastText's float order exactly)."""
    env = dict(os.environ, SENTVEC_SIMD=level)
    tests = [str(Path(__file__).parent / f) for f in ("test_oracle.py", "test_golden.py")]
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                       env=env, cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
