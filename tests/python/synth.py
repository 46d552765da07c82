"""Write valid fastText .bin files of any size from numpy (for memory and speed tests)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def write_synthetic_bin(path: Path, nwords: int = 1000, bucket: int = 100_000, dim: int = 100,
                        seed: int = 0, chunk_rows: int = 65536) -> Path:
    """A skipgram v12 .bin with words w0..w{n-1}, minn 3 / maxn 6, random float32 matrices."""
    rng = np.random.default_rng(seed)
    with open(path, "wb") as f:
        f.write(struct.pack("<ii", 793712314, 12))
        # dim, ws, epoch, minCount, neg, wordNgrams, loss(ns), model(sg), bucket, minn, maxn, lrUpdateRate, t
        f.write(struct.pack("<12id", dim, 5, 1, 1, 5, 1, 2, 2, bucket, 3, 6, 100, 1e-4))
        f.write(struct.pack("<iiiqq", nwords, nwords, 0, nwords * 10, -1))
        for i in range(nwords):
            f.write(f"w{i}".encode() + b"\0" + struct.pack("<qb", nwords - i, 0))
        f.write(b"\0")  # quant_input
        rows = nwords + bucket
        f.write(struct.pack("<qq", rows, dim))
        for start in range(0, rows, chunk_rows):
            n = min(chunk_rows, rows - start)
            f.write(rng.uniform(-0.1, 0.1, size=(n, dim)).astype("<f4").tobytes())
        f.write(b"\0")  # qout
        f.write(struct.pack("<qq", nwords, dim))
        f.write(rng.uniform(-0.1, 0.1, size=(nwords, dim)).astype("<f4").tobytes())
    return path
