"""Shared fixtures: where the golden data lives, and helpers to read golden files.

Helpers that are not fixtures (corpora, the official oracle, /proc readers) live in the
``helpers`` package beside this file, which bench/ uses too."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
from helpers.corpora import write_tiny_corpus, write_tiny_labelled
from helpers.official import official_train  # noqa: F401  (tests import it from here)

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
    return write_tiny_corpus(tmp_path_factory.mktemp("corpus") / "tiny.txt")


@pytest.fixture(scope="session")
def tiny_labelled(tmp_path_factory) -> Path:
    """A small labelled corpus: the label is predictable from the words."""
    return write_tiny_labelled(tmp_path_factory.mktemp("labelled") / "labelled.txt")
