"""How the hashed input rows should start, for supervised models (issue 15 item 2).

sentvec starts every input row, words and hashed n-grams alike, at uniform(-1/dim, 1/dim).
Official fastText 0.9.3 fills only some of the matrix when it trains with fewer than 10 threads
(the rest stays zero), so one can suspect that zero n-gram rows are better for classifiers. This
measures it: P@1 on cooking (lr 0.5, epoch 25, wordNgrams 2, dim 50, bucket 200000) and sst2
(lr 0.5, epoch 5, wordNgrams 2, dim 50) over ``--seeds`` seeds, sentvec with ``initBuckets``
"uniform" and "zero" (thread 1, so each seed is one exact run), next to official fastText with 1
thread (most of its matrix zero) and 12 threads (all of it uniform), each in a clean child process.

    python bench/bench_init.py --seeds 5        # ~15 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SENTVEC_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data" / "classification"

TASKS = {
    "cooking": ("cooking.train", "cooking.valid", {"lr": 0.5, "epoch": 25, "wordNgrams": 2, "dim": 50, "bucket": 200000}),
    "sst2": ("sst2.train", "sst2.dev", {"lr": 0.5, "epoch": 5, "wordNgrams": 2, "dim": 50}),
}

OFFICIAL = r"""
import fasttext, json, sys
a = json.loads(sys.argv[1])
m = fasttext.train_supervised(a["train"], thread=a["thread"], seed=a["seed"], verbose=0, **a["opts"])
print(json.dumps(m.test(a["valid"])[1]))
"""


def official_p1(train: Path, valid: Path, opts: dict, thread: int, seed: int) -> float:
    spec = {"train": str(train), "valid": str(valid), "opts": opts, "thread": thread, "seed": seed}
    for attempt in range(4):  # 0.9.3 sometimes stops with "Encountered NaN": another seed
        r = subprocess.run([sys.executable, "-c", OFFICIAL, json.dumps(spec)], capture_output=True, text=True)
        if r.returncode == 0:
            return float(json.loads(r.stdout.strip().splitlines()[-1]))
        spec["seed"] = seed + 1000 * (attempt + 1)
    raise RuntimeError(r.stderr[-1000:])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = ap.parse_args(argv)
    if not (DATA / "cooking.train").exists():
        print(f"needs {DATA} (the shared data)")
        return 2
    import sentvec

    variants = {
        "sentvec initBuckets=uniform": lambda tr, va, o, s: sentvec.train_supervised(
            str(tr), thread=1, seed=s, verbose=0, initBuckets="uniform", **o).test(str(va))[1],
        "sentvec initBuckets=zero": lambda tr, va, o, s: sentvec.train_supervised(
            str(tr), thread=1, seed=s, verbose=0, initBuckets="zero", **o).test(str(va))[1],
        "official thread=1": lambda tr, va, o, s: official_p1(tr, va, o, 1, s),
        "official thread=12": lambda tr, va, o, s: official_p1(tr, va, o, 12, s),
    }
    results: dict[str, dict[str, list[float]]] = {}
    for task, (tr, va, opts) in TASKS.items():
        print(f"== {task} {opts}", flush=True)
        for name, fn in variants.items():
            p1 = [fn(DATA / tr, DATA / va, opts, seed) for seed in range(1, args.seeds + 1)]
            results.setdefault(task, {})[name] = p1
            print(f"  {name:28s} P@1 mean {statistics.mean(p1):.4f}  sd {statistics.pstdev(p1):.4f}  "
                  f"{' '.join(f'{p:.4f}' for p in p1)}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
