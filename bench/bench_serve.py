"""Serving benchmark: load time and memory of official fastText and sentvec on a >= 1 GB model.

    python bench/bench_serve.py [--gb 1.1] [--workers 4] [--keep PATH]

Writes a synthetic skipgram .bin in fastText's layout (random float32 matrices, 200k words,
a large bucket) to a temporary folder, then, each in a fresh process:

- ``fasttext.load_model`` (the official pip package), sentvec ``mmap=False`` and ``mmap=True``;
- load time with the file in the page cache ("warm") and evicted first with
  ``posix_fadvise(DONTNEED)`` ("cold"), medians of 3;
- resident memory added by the load itself ("load RSS+"), then peak (VmHWM), resident (VmRSS)
  and proportional memory (Pss) after 10,000 word-vector queries (half of them out of
  vocabulary, so their character n-grams touch rows all over the matrix: with a warm page cache
  a mapped process then has most of the file resident, but shared);
- ``--workers`` processes serving at once: their summed Pss.

Prints a table and the ratios to official fastText. Not run by pytest. The model file is
deleted at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "python"))
from serve_models import write_bin

CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    which, path, cold, wait = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4] == "1"
    if which == "fasttext":
        import fasttext
        load = lambda: fasttext.load_model(path)
    else:
        import sentvec
        load = lambda: sentvec.load_model(path, mmap=(which == "sentvec-mmap"))
    import numpy as np
    if cold:
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
    def status(key, name="status"):
        for line in open("/proc/self/" + name):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    rss0 = status("VmRSS")
    t = time.perf_counter()
    m = load()
    load_s = time.perf_counter() - t
    rss_load = status("VmRSS")
    words = ["w%d" % (i * 7919 % 200000) for i in range(5000)] + ["oov%dx" % i for i in range(5000)]
    t = time.perf_counter()
    s = 0.0
    for w in words:
        s += float(m.get_word_vector(w)[0])
    query_s = time.perf_counter() - t
    out = dict(load_s=load_s, query_s=query_s, rss_load_mb=(rss_load - rss0) / 1024,
               rss_mb=status("VmRSS") / 1024, hwm_mb=status("VmHWM") / 1024,
               pss_mb=status("Pss", "smaps_rollup") / 1024)
    print(json.dumps(out), flush=True)
    if wait:
        sys.stdin.readline()
    """
)

LOADERS = ["fasttext", "sentvec-copy", "sentvec-mmap"]


def child_env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))


def run_one(which: str, path: Path, cold: bool) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, which, str(path), "1" if cold else "0", "0"],
                       capture_output=True, text=True, env=child_env(), timeout=600, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{which} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_workers(which: str, path: Path, n: int) -> float:
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, which, str(path), "0", "1"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env())
             for _ in range(n)]
    try:
        for p in procs:
            json.loads(p.stdout.readline())
        total = 0
        for p in procs:
            with open(f"/proc/{p.pid}/smaps_rollup") as f:
                total += next(int(x.split()[1]) for x in f if x.startswith("Pss:"))
        return total / 1024
    finally:
        for p in procs:
            p.stdin.write("\n")
            p.stdin.flush()
        for p in procs:
            p.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=1.1, help="approximate model size in GB (default 1.1)")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="write the model here and keep it")
    a = ap.parse_args()

    dim, nwords = 100, 200_000
    bucket = int(a.gb * 1e9 / (dim * 4)) - 2 * nwords
    tmp = None
    if a.keep is not None:
        path = a.keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="sentvec-bench-", dir="/tmp")
        path = Path(tmp.name) / "big.bin"
    try:
        if not path.exists():
            t = time.perf_counter()
            write_bin(path, nwords=nwords, bucket=bucket, dim=dim, seed=1)
            print(f"wrote {path} in {time.perf_counter() - t:.1f} s")
        size = path.stat().st_size
        print(f"model: skipgram dim {dim}, {nwords} words, bucket {bucket}: {size / 1e9:.2f} GB "
              f"({size / 2**30:.2f} GiB)\n")
        res = {}
        for which in LOADERS:
            warm = [run_one(which, path, False) for _ in range(a.reps)]
            cold = [run_one(which, path, True) for _ in range(a.reps)]
            med = {k: statistics.median(r[k] for r in warm) for k in warm[0]}
            med["cold_load_s"] = statistics.median(r["load_s"] for r in cold)
            med["workers_pss_mb"] = run_workers(which, path, a.workers) if a.workers else float("nan")
            res[which] = med
        cols = [("load warm s", "load_s", "{:.3f}"), ("load cold s", "cold_load_s", "{:.3f}"),
                ("10k queries s", "query_s", "{:.3f}"), ("load RSS+ MiB", "rss_load_mb", "{:.0f}"),
                ("peak RSS MiB", "hwm_mb", "{:.0f}"), ("RSS MiB", "rss_mb", "{:.0f}"),
                ("Pss MiB", "pss_mb", "{:.0f}"), (f"{a.workers} workers Pss MiB", "workers_pss_mb", "{:.0f}")]
        head = f"{'':14}" + "".join(f"{c[0]:>20}" for c in cols)
        print(head)
        for which, r in res.items():
            print(f"{which:14}" + "".join(f"{fmt.format(r[k]):>20}" for _, k, fmt in cols))
        print("\nratios to official fastText (lower is better):")
        ft = res["fasttext"]
        for which in LOADERS[1:]:
            r = res[which]
            print(f"{which:14}" + "".join(
                f"{(r[k] / ft[k] if ft[k] else float('nan')):>19.3f}x" for _, k, _ in cols))
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
