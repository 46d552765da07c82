"""Hostile-file sweeps: truncations, bit flips, oversized counts, random bytes.

Used in-process by test_hostile.py (small samples) and as a script in a child process for the
big sweep (so that a crash shows as a failed test, not a dead pytest):

    python hostile.py [--dense] [--flips N] FILE...

A load must either succeed (and then answer a few queries) or raise sentvec.FormatError /
OSError; anything else (MemoryError from a huge allocation, RuntimeError, a crash) fails.
"""

from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import numpy as np
import sentvec
from sentvec import _core

MAGIC = 793712314
ALLOWED = (sentvec.FormatError, OSError)


def layout(data: bytes):
    """(dictionary start, entry offsets, dictionary end) of a .bin/.ftz, by the spec's layout."""
    magic = struct.unpack_from("<i", data, 0)[0]
    legacy = magic != MAGIC
    off = (0 if legacy else 8) + 56
    dict_start = off
    size = struct.unpack_from("<i", data, off)[0]
    off += 12 + 8
    prune = -1
    if not legacy:
        prune = struct.unpack_from("<q", data, off)[0]
        off += 8
    entries = []
    for _ in range(size):
        entries.append(off)
        off = data.index(b"\0", off) + 1 + 9
    if prune > 0:
        off += 8 * prune
    return dict_start, entries, off


def cut_points(data: bytes, dense: bool, rng: np.random.Generator):
    """Every byte of the header and the dictionary's first and last parts, every sampled
    entry's field boundaries, and a dense sample of the matrices."""
    size = len(data)
    _, entries, dict_end = layout(data)
    head = 1 << 14 if dense else 1 << 9
    cuts = set(range(min(dict_end, head) + 1))
    cuts |= set(range(max(0, dict_end - (head // 2)), dict_end + 1))
    pick = entries if len(entries) <= (2000 if dense else 100) else \
        [entries[i] for i in rng.choice(len(entries), 2000 if dense else 100, replace=False)]
    for e in pick:
        z = data.index(b"\0", e)
        cuts |= {e, e + 1, z, z + 1, z + 5, z + 9, z + 10}
    rest = size - dict_end
    step = max(1, rest // (2000 if dense else 300))
    cuts |= set(range(dict_end, size, step))
    cuts |= set(range(dict_end, min(size, dict_end + 80)))  # quant flag, matrix shape
    cuts |= set(range(max(dict_end, size - 80), size))
    return sorted(c for c in cuts if 0 <= c < size)


def exercise(m) -> None:
    """A few queries of every kind on a model that loaded from a damaged file."""
    words = m.get_words(on_unicode_error="replace")[:3] if m.f.nwords < 50_000 else []
    for w in ["the", "zzqx", "</s>", *words]:
        m.get_word_vector(w)
    m.get_sentence_vector("the quick brown fox")
    m.embed_sentences(["a b c", ""], threads=1)
    if m.args["model"] == "supervised":
        m.predict("the quick brown fox", k=3, on_unicode_error="replace")
        m.predict(["a b", "c d e"], k=2, threads=1, on_unicode_error="replace")
    elif 0 < m.f.nwords <= 20_000 and m.f.nwords * m.f.dim <= 5_000_000:
        m.get_nearest_neighbors("the", k=3, on_unicode_error="replace")


def try_load(buf, name: str, stats: dict, mmap: bool = False) -> None:
    try:
        m = sentvec.Model(_core.load_model_bytes(buf, name, mmap))
    except ALLOWED:
        stats["rejected"] += 1
        return
    stats["loaded"] += 1
    exercise(m)


def truncations(data: bytes, name: str, dense: bool, seed: int = 0) -> dict:
    stats = {"loaded": 0, "rejected": 0}
    view = memoryview(data)
    for cut in cut_points(data, dense, np.random.default_rng(seed)):
        try:
            _core.load_model_bytes(view[:cut], f"{name}[:{cut}]", False)
        except sentvec.FormatError:
            stats["rejected"] += 1
            continue
        raise AssertionError(f"{name} truncated to {cut} of {len(data)} bytes loaded")
    return stats


def bit_flips(data: bytes, name: str, n: int, seed: int = 1) -> dict:
    """n mutants with 1-4 random bytes xor-ed; half of them hit the header and dictionary."""
    rng = np.random.default_rng(seed)
    _, _, dict_end = layout(data)
    stats = {"loaded": 0, "rejected": 0}
    for i in range(n):
        buf = bytearray(data)
        for _ in range(int(rng.integers(1, 5))):
            hi = dict_end if i % 2 == 0 else len(buf)
            pos = int(rng.integers(0, hi))
            buf[pos] ^= int(rng.integers(1, 256))
        try_load(bytes(buf), f"{name}~flip{i}", stats, mmap=bool(i % 3 == 0))
    return stats


def oversized(data: bytes, name: str) -> dict:
    """Every count and shape field of the header set to huge, negative and off-by-one values."""
    stats = {"loaded": 0, "rejected": 0}
    magic = struct.unpack_from("<i", data, 0)[0]
    legacy = magic != MAGIC
    base = 0 if legacy else 8
    _, _, dict_end = layout(data)
    fields = [(base + 4 * i, "<i") for i in range(12)]  # args
    fields += [(base + 56, "<i"), (base + 60, "<i"), (base + 64, "<i"), (base + 68, "<q")]
    if not legacy:
        fields += [(base + 76, "<q")]  # pruneidx_size
    mat = dict_end + (0 if legacy else 1)
    if not legacy and data[dict_end] == 1:  # quantized input: qnorm, m, n, codesize
        fields += [(mat + 1, "<q"), (mat + 9, "<q"), (mat + 17, "<i")]
    else:
        fields += [(mat, "<q"), (mat + 8, "<q")]
    for off, fmt in fields:
        old = struct.unpack_from(fmt, data, off)[0]
        big = 2**31 - 1 if fmt == "<i" else 2**62
        for v in {big, -1, -(2**31), old + 1, old * 2 + 1, 0}:
            if fmt == "<i" and not -(2**31) <= v < 2**31:
                continue
            buf = bytearray(data)
            struct.pack_into(fmt, buf, off, v)
            try_load(bytes(buf), f"{name}@{off}={v}", stats)
    return stats


def random_files(n: int, seed: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    stats = {"loaded": 0, "rejected": 0}
    for i in range(n):
        size = int(rng.integers(0, 1 << int(rng.integers(1, 16))))
        buf = bytearray(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
        if i % 2 and size >= 8:
            struct.pack_into("<ii", buf, 0, MAGIC, int(rng.integers(10, 13)))
        try_load(bytes(buf), f"random{i}", stats)
        try:
            _core._testing.parse_vec_bytes(bytes(buf), f"random{i}.vec")
        except ALLOWED:
            pass
    return stats


def vec_mutants(data: bytes, name: str, n: int, seed: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    stats = {"loaded": 0, "rejected": 0}
    view = memoryview(data)
    step = max(1, len(data) // 400)
    for cut in list(range(min(len(data), 200))) + list(range(200, len(data), step)):
        try:
            _core._testing.parse_vec_bytes(view[:cut], f"{name}[:{cut}]")
            stats["loaded"] += 1
        except ALLOWED:
            stats["rejected"] += 1
    for i in range(n):
        buf = bytearray(data)
        for _ in range(int(rng.integers(1, 5))):
            buf[int(rng.integers(0, len(buf)))] = int(rng.choice(list(b" \n\r\t0123456789e-.x\0\xff")))
        try:
            _core._testing.parse_vec_bytes(bytes(buf), f"{name}~{i}")
            stats["loaded"] += 1
        except ALLOWED:
            stats["rejected"] += 1
    return stats


def main(argv) -> int:
    dense = "--dense" in argv
    flips = 300
    files = []
    it = iter(argv)
    for a in it:
        if a == "--flips":
            flips = int(next(it))
        elif not a.startswith("--"):
            files.append(Path(a))
    t0 = time.time()
    for f in files:
        data = f.read_bytes()
        t = time.time()
        if f.suffix == ".vec":
            s = vec_mutants(data, f.name, flips)
            print(f"{f.name}: vec {s}", flush=True)
        else:
            s1 = truncations(data, f.name, dense)
            s2 = bit_flips(data, f.name, flips)
            s3 = oversized(data, f.name)
            print(f"{f.name}: truncations {s1} flips {s2} oversized {s3} ({time.time() - t:.1f} s)",
                  flush=True)
    s = random_files(flips)
    print(f"random files: {s}")
    print(f"OK {len(files)} files in {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
