"""Helpers for the serving tests: synthetic fastText .bin files of any size (process memory
readers are re-exported from helpers.procfs).

A synthetic model follows the documented .bin layout (spec §1): magic, version 12, args,
dictionary (words w0..w{n-1}), an input matrix of nwords + bucket rows and an output matrix of
nwords rows. ``fill="sparse"`` leaves the input matrix as a hole in the file (zeros, no disk
blocks), so a multi-gigabyte model costs nothing to make.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
from helpers.procfs import proc_kb, pss_kb, rss_kb  # noqa: F401  (the serving tests import them from here)

MAGIC = 793712314


def write_bin(path, nwords: int = 1000, bucket: int = 100_000, dim: int = 64, fill: str = "random",
              seed: int = 0, chunk_rows: int = 1 << 16) -> Path:
    """Write a valid skipgram .bin (v12, loss ns, minn 3, maxn 6) and return its path."""
    if fill not in ("random", "sparse"):
        raise ValueError(f"fill must be 'random' or 'sparse' (got {fill!r})")
    path = Path(path)
    rng = np.random.default_rng(seed)
    with open(path, "wb") as f:
        f.write(struct.pack("<ii", MAGIC, 12))
        # dim, ws, epoch, minCount, neg, wordNgrams, loss (ns), model (sg), bucket, minn, maxn,
        # lrUpdateRate, then t
        f.write(struct.pack("<12id", dim, 5, 1, 1, 5, 1, 2, 2, bucket, 3, 6, 100, 1e-4))
        f.write(struct.pack("<iiiqq", nwords, nwords, 0, nwords * 10, -1))
        f.writelines(f"w{i}".encode() + b"\0" + struct.pack("<qb", nwords - i, 0) for i in range(nwords))
        f.write(b"\0")  # quant_input
        rows = nwords + bucket
        f.write(struct.pack("<qq", rows, dim))
        if fill == "sparse":
            # The words' own rows hold data so that queries give non-zero vectors.
            f.write(rng.uniform(-0.1, 0.1, size=(nwords, dim)).astype("<f4").tobytes())
            f.seek(bucket * dim * 4, os.SEEK_CUR)
        else:
            for start in range(0, rows, chunk_rows):
                n = min(chunk_rows, rows - start)
                f.write(rng.uniform(-0.1, 0.1, size=(n, dim)).astype("<f4").tobytes())
        f.write(b"\0")  # qout
        f.write(struct.pack("<qq", nwords, dim))
        f.write(rng.uniform(-0.1, 0.1, size=(nwords, dim)).astype("<f4").tobytes())
    return path


def matrix_bytes(nwords: int, bucket: int, dim: int) -> int:
    return (2 * nwords + bucket) * dim * 4
