"""Shared fixtures: where the golden data lives, and helpers to read golden files."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

# A run started in the background by a non-interactive shell inherits SIGINT *ignored*, and so
# would every child process it starts: the Ctrl-C tests would then wait on a signal nobody sees.
# Installing Python's handler here gives this process Ctrl-C back, and the children too (a
# handled signal is reset to its default across exec, an ignored one is not).
signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "tests" / "data"
SHARED = Path(os.environ.get("SENTVEC_SHARED", REPO.parent / "shared"))
SHARED_MODELS = SHARED / "data" / "models"
HAVE_SHARED = SHARED_MODELS.is_dir()

needs_shared = pytest.mark.skipif(
    not HAVE_SHARED, reason=f"needs the shared data folder ({SHARED}), which is not present"
)


def gensim_test_data() -> Path | None:
    try:
        import gensim
    except ImportError:
        return None
    p = Path(gensim.__file__).parent / "test" / "test_data"
    return p if p.is_dir() else None


def parse_vectors(text: bytes, with_word: bool):
    """print-word-vectors / print-sentence-vectors output (each value followed by a space):
    (words, array). Words contain no spaces (fastText tokens never do)."""
    words, rows = [], []
    for raw in text.split(b"\n"):
        if not raw:
            continue
        parts = raw.split(b" ")
        assert parts[-1] == b"", "each value is followed by a space"
        parts = parts[:-1]
        if with_word:
            words.append(parts[0].decode("utf-8", "surrogateescape"))
            parts = parts[1:]
        rows.append([float(x) for x in parts])
    return words, np.array(rows, dtype=np.float64)


def read_vec_lines(path: Path, with_word: bool):
    """A golden print-word-vectors / print-sentence-vectors file: (words, array)."""
    return parse_vectors(Path(path).read_bytes(), with_word)


def read_lines(path: Path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A small deterministic English-like corpus for training oracle models."""
    rng = np.random.default_rng(7)
    base = [
        "the", "a", "cat", "dog", "sat", "on", "mat", "ran", "to", "house", "big", "small",
        "red", "blue", "eats", "fish", "bird", "flies", "over", "tree", "green", "river",
        "café", "naïve", "пример", "слово", "日本", "한국어", "über", "straße",
    ]
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "gu"]
    vocab = base + ["".join(rng.choice(syllables, size=int(rng.integers(2, 4)))) for _ in range(400)]
    p = tmp_path_factory.mktemp("corpus") / "tiny.txt"
    with open(p, "w", encoding="utf-8") as f:
        for _ in range(4000):
            n = int(rng.integers(3, 14))
            f.write(" ".join(vocab[int(i)] for i in (rng.zipf(1.3, n) - 1) % len(vocab)) + "\n")
    return p


@pytest.fixture(scope="session")
def tiny_labelled(tmp_path_factory) -> Path:
    """A small labelled corpus: the label is predictable from the words."""
    rng = np.random.default_rng(11)
    topics = {
        "food": ["bread", "cheese", "bake", "oven", "sugar", "flour", "soup", "salt"],
        "sport": ["ball", "goal", "team", "run", "match", "score", "coach", "field"],
        "music": ["song", "guitar", "drum", "band", "sing", "note", "piano", "tune"],
    }
    common = ["the", "a", "is", "and", "with", "my", "for", "très"]
    p = tmp_path_factory.mktemp("labelled") / "labelled.txt"
    with open(p, "w", encoding="utf-8") as f:
        for _ in range(1500):
            t = list(topics)[int(rng.integers(0, 3))]
            words = [rng.choice(topics[t]) if rng.random() < 0.6 else rng.choice(common) for _ in range(8)]
            extra = " __label__extra" if rng.random() < 0.1 else ""
            f.write(f"__label__{t}{extra} " + " ".join(words) + "\n")
    return p


def official_train(out_path: Path, supervised: bool, input_path: Path, quantize: dict | None = None, **opts) -> Path:
    """Train with the official `fasttext` package in a clean child interpreter and save the model.

    Official fastText 0.9.3 sometimes stops with "Encountered NaN" on small data when the process
    has other modules loaded (its loss state depends on uninitialised memory), so the oracle runs
    alone in a subprocess.
    """
    import subprocess
    import sys

    fn = "train_supervised" if supervised else "train_unsupervised"
    code = (
        "import fasttext, sys, json\n"
        f"m = fasttext.{fn}({str(input_path)!r}, **json.loads(sys.argv[1]))\n"
        "q = json.loads(sys.argv[2])\n"
        f"if q: m.quantize(input={str(input_path)!r}, **q)\n"
        f"m.save_model({str(out_path)!r})\n"
    )
    import json

    for _attempt in range(4):
        r = subprocess.run([sys.executable, "-c", code, json.dumps(opts), json.dumps(quantize or {})],
                           capture_output=True, text=True, timeout=300)
        if r.returncode == 0:
            return out_path
        if "Encountered NaN" not in r.stderr:
            break
        if supervised:  # another seed; unsupervised training has none in 0.9.3, a retry differs
            opts = dict(opts, seed=int(opts.get("seed", 0)) + 1)
    raise RuntimeError(f"official fasttext failed with {opts}: {r.stderr[-2000:]}")
