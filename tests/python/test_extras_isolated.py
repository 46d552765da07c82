"""The core package never imports the optional integrations (serve, dask, ray, spark)."""

from __future__ import annotations

import os
import subprocess
import sys

import sentvec

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(sentvec.__file__)))
HEAVY = ["starlette", "uvicorn", "prometheus_client", "dask", "distributed", "ray", "pyspark", "pandas",
         "sentvec.serve", "sentvec.dask", "sentvec.ray", "sentvec.spark"]


def test_import_sentvec_and_use_it_loads_no_extra(tmp_path):
    code = (
        "import sys, pickle, sentvec\n"
        f"p = {str(tmp_path / 'c.txt')!r}\n"
        "open(p, 'w').write('__label__a x y\\n__label__b u v\\n' * 20)\n"
        "m = sentvec.train_supervised(p, dim=4, epoch=1, thread=1, verbose=0)\n"
        "m = pickle.loads(pickle.dumps(m)); m.predict(['x y\\nu'], on_newline='split')\n"
        f"print([h for h in {HEAVY!r} if h in sys.modules])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": PKG_PARENT})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
