"""Classify many documents with a supervised model on Dask and Ray, with 1 and 2 workers.

    python bench/bench_dist.py [--docs 1000000] [--engines dask,ray] [--workers 1,2]

Trains a small supervised sentvec model on synthetic topic data, writes it as a .bin, makes
``--docs`` synthetic documents, and times the in-process batch call (one thread) and then, for
each engine and worker count, a full job (``sentvec.dask.predict(...).compute()`` over a Dask
DataFrame; ``Dataset.map_batches(sentvec.ray.Predictor, concurrency=N)`` over a Ray Dataset)
on a local cluster started beforehand (cluster start-up is not timed; a warm-up job maps the
model in every worker first; Ray's timed job includes starting its actor pool). Prints
documents/sec and the speedup of 2 workers over 1, and checks that every job's labels equal
the in-process ones. Not run by pytest; on a machine shared with other jobs, the speedup is
bounded by the free cores (``os.cpu_count()`` and the load average are printed).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_http import corpus  # noqa: E402


def make_docs(n: int, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = "bread cheese bake oven ball goal team run song guitar drum band the a is and with".split()
    ids = rng.integers(0, len(vocab), size=(n, 12))
    return [" ".join(vocab[j] for j in row) for row in ids]


def run_dask(path: Path, docs: list[str], workers: int, partitions: int):
    import dask.dataframe as dd
    import distributed
    import pandas as pd
    import sentvec.dask

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(pd.DataFrame({"text": docs}), npartitions=partitions).persist()
        sentvec.dask.predict(ddf.partitions[: workers * 2], path).compute()  # warm-up: map in the workers
        t = time.perf_counter()
        out = sentvec.dask.predict(ddf, path).compute()
        return time.perf_counter() - t, out["label"].tolist()


def run_ray(path: Path, docs: list[str], workers: int, batch: int):
    import ray
    import sentvec.ray

    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ds = ray.data.from_items([{"text": d} for d in docs]).materialize()
        ds.limit(batch).map_batches(sentvec.ray.Predictor, fn_constructor_kwargs={"model": str(path)},
                                    concurrency=workers, batch_size=batch).materialize()  # warm-up
        t = time.perf_counter()
        out = ds.map_batches(sentvec.ray.Predictor, fn_constructor_kwargs={"model": str(path)},
                             concurrency=workers, batch_size=batch).to_pandas()
        return time.perf_counter() - t, out["label"].tolist()
    finally:
        ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--engines", default="dask,ray")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--batch", type=int, default=10_000)
    a = ap.parse_args()
    import sentvec

    with tempfile.TemporaryDirectory(prefix="sentvec-bench-dist-") as d:
        corpus(Path(d) / "train.txt", 20000)
        path = Path(d) / "sup.bin"
        sentvec.train_supervised(str(Path(d) / "train.txt"), dim=50, epoch=2, wordNgrams=2, bucket=200_000,
                                 thread=2, verbose=0, seed=1).save_model(path)
        docs = make_docs(a.docs)
        model = sentvec.load_model(path, mmap=True)
        t = time.perf_counter()
        want = [ls[0] for ls in model.predict(docs, threads=1)[0]]
        base = a.docs / (time.perf_counter() - t)
        print(f"{a.docs} documents of 12 words; cpu_count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
        print(f"in process, 1 thread: {base:,.0f} docs/s")
        print(f"{'engine':<6} {'workers':>7} {'docs/s':>10} {'speedup':>8} {'vs in-process':>14}")
        for engine in a.engines.split(","):
            first = None
            for w in (int(x) for x in a.workers.split(",")):
                secs, labels = (run_dask(path, docs, w, a.partitions) if engine == "dask"
                                else run_ray(path, docs, w, a.batch))
                assert labels == want, f"{engine} with {w} workers: labels differ from the in-process API"
                rate = a.docs / secs
                first = first or rate
                print(f"{engine:<6} {w:>7} {rate:>10,.0f} {rate / first:>7.2f}x {rate / base:>13.2f}x")


if __name__ == "__main__":
    main()
