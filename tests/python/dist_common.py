"""Shared by the Dask, Ray and Spark adapter tests: a supervised model file and texts."""

from __future__ import annotations

import numpy as np
import sentvec

OPTS = dict(dim=10, epoch=3, wordNgrams=2, bucket=3000, minn=2, maxn=4, thread=1, verbose=0, seed=3)


def make_model(tiny_labelled, folder):
    p = folder / "sup.bin"
    sentvec.train_supervised(str(tiny_labelled), **OPTS).save_model(p)
    return p


def texts_of(tiny_labelled, n=240):
    lines = tiny_labelled.read_text(encoding="utf-8").splitlines()[:n]
    return [" ".join(w for w in line.split() if not w.startswith("__label__")) for line in lines]


def expected_k1(model, texts, **kw):
    labels, probs = model.predict(texts, k=1, **kw)
    return [ls[0] for ls in labels], np.array([float(p[0]) for p in probs])
