"""Small deterministic corpora (fixed seeds): the same bytes on every run and machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_tiny_corpus(p: Path) -> Path:
    """A small English-like corpus (4,000 lines, Zipf-distributed words, some non-ASCII) for
    training oracle models."""
    rng = np.random.default_rng(7)
    base = [
        "the", "a", "cat", "dog", "sat", "on", "mat", "ran", "to", "house", "big", "small",
        "red", "blue", "eats", "fish", "bird", "flies", "over", "tree", "green", "river",
        "café", "naïve", "пример", "слово", "日本", "한국어", "über", "straße",
    ]
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "gu"]
    vocab = base + ["".join(rng.choice(syllables, size=int(rng.integers(2, 4)))) for _ in range(400)]
    with open(p, "w", encoding="utf-8") as f:
        for _ in range(4000):
            n = int(rng.integers(3, 14))
            f.write(" ".join(vocab[int(i)] for i in (rng.zipf(1.3, n) - 1) % len(vocab)) + "\n")
    return p


def write_tiny_labelled(p: Path) -> Path:
    """A small labelled corpus (1,500 lines, three topics): the label is predictable from the words."""
    rng = np.random.default_rng(11)
    topics = {
        "food": ["bread", "cheese", "bake", "oven", "sugar", "flour", "soup", "salt"],
        "sport": ["ball", "goal", "team", "run", "match", "score", "coach", "field"],
        "music": ["song", "guitar", "drum", "band", "sing", "note", "piano", "tune"],
    }
    common = ["the", "a", "is", "and", "with", "my", "for", "très"]
    with open(p, "w", encoding="utf-8") as f:
        for _ in range(1500):
            t = list(topics)[int(rng.integers(0, 3))]
            words = [rng.choice(topics[t]) if rng.random() < 0.6 else rng.choice(common) for _ in range(8)]
            extra = " __label__extra" if rng.random() < 0.1 else ""
            f.write(f"__label__{t}{extra} " + " ".join(words) + "\n")
    return p


def write_one_line(p: Path, nbytes: int) -> Path:
    """A single line of about `nbytes` bytes over a vocabulary of 500 four-byte words, without
    a newline (the hostile "one huge line" corpus)."""
    rng = np.random.default_rng(3)
    vocab = np.array([f"w{i:03d}" for i in range(500)])  # 4 bytes + a space each
    words = vocab[rng.integers(0, 500, size=nbytes // 5)]
    p.write_bytes(" ".join(words.tolist()).encode())
    return p
