"""The official fastText package (0.9.3, the test oracle), run in a clean child interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def official_train(out_path: Path, supervised: bool, input_path: Path, quantize: dict | None = None, **opts) -> Path:
    """Train with the official `fasttext` package in a clean child interpreter and save the model.

    Official fastText 0.9.3 sometimes stops with "Encountered NaN" on small data when the process
    has other modules loaded (its loss state depends on uninitialised memory), so the oracle runs
    alone in a subprocess.
    """
    fn = "train_supervised" if supervised else "train_unsupervised"
    code = (
        "import fasttext, sys, json\n"
        f"m = fasttext.{fn}({str(input_path)!r}, **json.loads(sys.argv[1]))\n"
        "q = json.loads(sys.argv[2])\n"
        f"if q: m.quantize(input={str(input_path)!r}, **q)\n"
        f"m.save_model({str(out_path)!r})\n"
    )
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
