"""Callable classes for ``ray.data.Dataset.map_batches`` (``pip install "sentvec[ray]"``).

    ds.map_batches(sentvec.ray.Predictor, fn_constructor_kwargs={"model": "lid.bin"}, concurrency=2)
    ds.map_batches(sentvec.ray.Embedder, fn_constructor_kwargs={"model": "s2v.bin"}, concurrency=2)

Each actor process maps the model file once (in its constructor) and runs the batch C++ calls on
every batch it is given. A batch may be a dict of numpy arrays (Ray's default) or a pandas
DataFrame (``batch_format="pandas"``); the result has the input's columns plus ``label`` and
``probability`` (``labels``/``probabilities`` for ``k > 1``), or ``vector`` (shape (n, dim)).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jobs import as_texts, embed_rows, get_model, model_ref, predict_columns


class _Batcher:
    def __init__(self, model: Any, column: str = "text", on_newline: str = "error", mmap: bool = True):
        self.ref = model_ref(model, mmap)
        self.model = get_model(self.ref)
        self.column = column
        self.on_newline = on_newline

    def _texts(self, batch: Any) -> list[str]:
        if self.column not in batch:
            raise KeyError(f"the batch has no column {self.column!r} (columns: {', '.join(map(str, batch.keys()))})")
        return as_texts(batch[self.column], self.column)

    @staticmethod
    def _add(batch: Any, cols: dict[str, Any]) -> Any:
        if hasattr(batch, "assign"):  # pandas
            return batch.assign(**{k: list(v) if isinstance(v, np.ndarray) and v.ndim > 1 else v
                                   for k, v in cols.items()})
        out = dict(batch)
        for k, v in cols.items():
            out[k] = v if isinstance(v, np.ndarray) else np.array(v, dtype=object)
        return out


class Predictor(_Batcher):
    """``predict`` over a batch's ``column``: adds label/probability (or labels/probabilities)."""

    def __init__(self, model: Any, column: str = "text", k: int = 1, threshold: float = 0.0,
                 on_newline: str = "error", prefix: str = "", mmap: bool = True):
        super().__init__(model, column, on_newline, mmap)
        self.k, self.threshold, self.prefix = k, threshold, prefix

    def __call__(self, batch: Any) -> Any:
        cols = predict_columns(self.model, self._texts(batch), self.k, self.threshold, self.on_newline, self.prefix)
        return self._add(batch, cols)


class Embedder(_Batcher):
    """Sentence vectors of a batch's ``column``: adds ``output`` (default ``vector``), (n, dim) float32."""

    def __init__(self, model: Any, column: str = "text", on_newline: str = "error", output: str = "vector",
                 mmap: bool = True):
        super().__init__(model, column, on_newline, mmap)
        self.output = output

    def __call__(self, batch: Any) -> Any:
        return self._add(batch, {self.output: embed_rows(self.model, self._texts(batch), self.on_newline)})
