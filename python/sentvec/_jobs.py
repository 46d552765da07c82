"""What the Dask, Ray and Spark adapters share: a small picklable reference to a model file, a
per-process cache so that each worker process maps the file once, and the batch calls turned
into columns.

A job ships a ``ModelRef`` (path, file identity, mmap), never the matrices: each worker process
loads (maps) the file on first use and keeps it for every later partition or batch; the file's
identity is checked then, so a worker never answers with a file changed since the job began.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._pickle import FileIdentity, check_identity, file_identity
from ._util import fspath


@dataclass(frozen=True)
class ModelRef:
    """A model file as a job ships it: path, identity (size, mtime, header checksum), mmap."""

    identity: FileIdentity

    @property
    def path(self) -> str:
        return self.identity.path


def model_ref(model: Any, mmap: bool = True) -> ModelRef:
    """A ``ModelRef`` for a path, a ``Model`` loaded from a file, or a ``ModelRef``."""
    if isinstance(model, ModelRef):
        return model
    source = getattr(model, "_source", None)
    if source is not None:
        return ModelRef(FileIdentity(*source)._replace(mmap=True if mmap else source.mmap))
    if hasattr(model, "f") and hasattr(model, "predict"):
        raise ValueError("this model is not the content of a file (trained or changed in memory): save it with "
                         "save_model to a path every worker can read, and pass that path")
    return ModelRef(file_identity(fspath(model, "model"), mmap))


_CACHE: dict[FileIdentity, Any] = {}
_LOCK = threading.Lock()
_LOADS = {"count": 0}


def get_model(ref: ModelRef) -> Any:
    """The model of ``ref`` in this process, loaded (mapped) on first use and then kept."""
    model = _CACHE.get(ref.identity)
    if model is not None:
        return model
    from .model import load_model

    with _LOCK:
        model = _CACHE.get(ref.identity)
        if model is None:
            check_identity(ref.identity)
            model = load_model(ref.path, mmap=ref.identity.mmap)
            _CACHE[ref.identity] = model
            _LOADS["count"] += 1
    return model


def as_texts(values: Any, column: str) -> list[str]:
    """A column (pandas Series, numpy or pyarrow array, list) as a list of str; None/NaN is refused."""
    texts = values.tolist() if hasattr(values, "tolist") else list(values)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"column {column!r} row {i}: expected a str, got {type(t).__name__} ({t!r})")
    return texts


def predict_columns(model: Any, texts: list[str], k: int, threshold: float, on_newline: str,
                    prefix: str = "") -> dict[str, Any]:
    """``predict`` as columns: ``label``/``probability`` for k=1 (None/NaN where no label passes the
    threshold), ``labels``/``probabilities`` (lists) for k > 1."""
    labels, probs = model.predict(texts, k=k, threshold=threshold, on_newline=on_newline, threads=1)
    if k == 1:
        return {prefix + "label": [ls[0] if ls else None for ls in labels],
                prefix + "probability": np.array([float(p[0]) if len(p) else np.nan for p in probs])}
    return {prefix + "labels": [list(ls) for ls in labels],
            prefix + "probabilities": [np.asarray(p, dtype=np.float64).tolist() for p in probs]}


def embed_rows(model: Any, texts: list[str], on_newline: str) -> np.ndarray:
    return model.embed_sentences(texts, threads=1, on_newline=on_newline)


def mapping_kb(path: str, pid: int | str = "self") -> tuple[int, int]:
    """Resident and proportional memory (kB, from ``/proc/PID/smaps``) of process ``pid``'s
    mappings of the file ``path``: (0, 0) where it maps nothing of it or there is no procfs.
    A driver reads its workers' figures at one moment with it (the Pss of shared pages is split
    among the processes that map them at that moment, so a sum is only meaningful then)."""
    rss = pss = 0
    smaps = f"/proc/{pid}/smaps"
    if not os.path.exists(smaps):
        return 0, 0
    inside = False
    with open(smaps) as f:
        for line in f:
            first = line.split(maxsplit=1)[0]
            if "-" in first and not first.endswith(":"):
                inside = line.rstrip("\n").endswith(" " + path)
            elif inside and first == "Rss:":
                rss += int(line.split()[1])
            elif inside and first == "Pss:":
                pss += int(line.split()[1])
    return rss, pss


def process_report(path: str | None = None) -> dict[str, Any]:
    """This process: pid, how many models it loaded, and the resident / proportional memory (kB,
    from /proc/self/smaps) of its mappings of ``path`` (tests check the workers share one copy)."""
    rss, pss = mapping_kb(path) if path is not None else (0, 0)
    return {"pid": os.getpid(), "loads": _LOADS["count"], "rss_kb": rss, "pss_kb": pss}
