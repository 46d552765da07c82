"""mmap=True: worker processes share one copy of the model through the page cache; loading
parses only the dictionary, so its time does not depend on the matrix size."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import sentvec
from serve_models import matrix_bytes, pss_kb, rss_kb, write_bin

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"),
                                reason="needs Linux /proc/<pid>/smaps_rollup (kernel >= 4.14)")

WORKER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import sentvec
    path, mmap = sys.argv[1], sys.argv[2] == "1"
    words = ["w%d" % i for i in range(0, 1000, 7)] + ["oov%d" % i for i in range(50)]
    np.zeros(1).sum()  # warm numpy before the baseline
    print("up", flush=True)
    sys.stdin.readline()
    m = sentvec.load_model(path, mmap=mmap)
    # Serve queries; then touch every row, the worst case for sharing.
    v = m.get_word_vectors(words)
    s = m.embed_sentences(["w1 w2 w3 oov", "w5 w9"])
    total = float(np.asarray(m.get_input_matrix()).sum()) + float(np.asarray(m.get_output_matrix()).sum())
    print("ready", v.shape[0], s.shape[0], np.isfinite(total), flush=True)
    sys.stdin.readline()
    """
)


def start_workers(path: Path, mmap: bool, n: int = 4):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(path), "1" if mmap else "0"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(n)]
    return procs


def expect(p, word: str):
    line = p.stdout.readline()
    assert line.startswith(word), f"worker said {line!r}"
    return line


def summed_pss_delta_kb(path: Path, mmap: bool) -> int:
    procs = start_workers(path, mmap)
    try:
        for p in procs:
            expect(p, "up")
        base = sum(pss_kb(p.pid) for p in procs)
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            assert "True" in expect(p, "ready")
        loaded = sum(pss_kb(p.pid) for p in procs)
        return loaded - base
    finally:
        for p in procs:
            try:
                p.stdin.write("bye\n")
                p.stdin.flush()
            except OSError:
                pass
        for p in procs:
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def model40(tmp_path_factory):
    d = tmp_path_factory.mktemp("shared")
    return write_bin(d / "m40.bin", nwords=1000, bucket=150_000, dim=64, seed=3)


def test_four_workers_share_one_copy_with_mmap(model40):
    one_copy_kb = matrix_bytes(1000, 150_000, 64) / 1024  # ~37 MiB
    shared = summed_pss_delta_kb(model40, mmap=True)
    copied = summed_pss_delta_kb(model40, mmap=False)
    print(f"summed Pss growth of 4 workers: mmap=True {shared / 1024:.1f} MiB, "
          f"mmap=False {copied / 1024:.1f} MiB, one copy {one_copy_kb / 1024:.1f} MiB")
    assert 0.8 * one_copy_kb < shared < 1.5 * one_copy_kb
    assert copied > 3.5 * one_copy_kb


def _median_load_s(path: Path, reps: int = 7) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        m = sentvec.load_model(path, mmap=True)
        times.append(time.perf_counter() - t)
        del m
    return sorted(times)[reps // 2]


def test_mmap_load_time_does_not_grow_with_the_matrix(tmp_path):
    small = write_bin(tmp_path / "small.bin", nwords=2000, bucket=10_000, dim=64, fill="sparse")
    big = write_bin(tmp_path / "big.bin", nwords=2000, bucket=4_000_000, dim=64, fill="sparse")
    assert big.stat().st_size > 1_000_000_000  # a 1 GB file (sparse: no disk blocks)
    t_small, t_big = _median_load_s(small), _median_load_s(big)
    print(f"mmap load: 2.6 MB model {t_small * 1e3:.2f} ms, 1 GB model {t_big * 1e3:.2f} ms")
    # The matrix grew 400x; the load time may not grow with it (generous bound for noise).
    assert t_big < 3 * t_small + 0.02


def test_mapped_rss_grows_far_less_than_the_matrix(tmp_path):
    big = write_bin(tmp_path / "big.bin", nwords=2000, bucket=2_000_000, dim=64, fill="sparse")
    size = matrix_bytes(2000, 2_000_000, 64)
    before = rss_kb()
    m = sentvec.load_model(big, mmap=True)
    v = m.get_word_vectors(["w1", "w2", "oovword", "another"])
    after = rss_kb()
    assert np.isfinite(v).all()
    assert m.mapped and not m.get_input_matrix().flags.writeable
    grew = (after - before) * 1024
    print(f"RSS grew by {grew / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB matrix")
    assert grew < 0.05 * size


def test_mapped_models_hold_no_file_descriptor(tmp_path):
    p = write_bin(tmp_path / "m.bin", nwords=50, bucket=1000, dim=8)
    before = len(os.listdir("/proc/self/fd"))
    models = [sentvec.load_model(p, mmap=True) for _ in range(50)]
    assert len(os.listdir("/proc/self/fd")) <= before + 1  # the mapping needs no descriptor
    assert all(m.get_word_vector("w1").shape == (8,) for m in models)
