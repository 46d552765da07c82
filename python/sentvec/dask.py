"""Classify or embed a Dask DataFrame / Bag of texts (``pip install "sentvec[dask]"``).

``predict(ddf, "lid.bin", column="text")`` adds ``label`` and ``probability`` columns (``labels``
and ``probabilities`` lists for ``k > 1``); ``embed(ddf, "s2v.bin")`` gives a Dask array of shape
(n, dim). A Bag of strings gives a Bag of ``{"label", "probability"}`` dicts or of vectors.
Each task ships the model's path and identity only; each worker process maps the file once
(``sentvec._jobs.get_model``) and runs the batch C++ calls over whole partitions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._jobs import as_texts, embed_rows, get_model, model_ref, predict_columns


def _predict_partition(part, ref, column, k, threshold, on_newline, prefix):
    import pandas as pd

    texts = as_texts(part[column] if column is not None else part, column or "series")
    cols = predict_columns(get_model(ref), texts, k, threshold, on_newline, prefix)
    out = pd.DataFrame(cols, index=part.index)
    return out if column is None else part.assign(**out)


def _meta(df, column, k, prefix):
    import pandas as pd

    cols = ({prefix + "label": pd.Series(dtype=object), prefix + "probability": pd.Series(dtype="float64")} if k == 1
            else {prefix + "labels": pd.Series(dtype=object), prefix + "probabilities": pd.Series(dtype=object)})
    empty = pd.DataFrame(cols)
    return empty if column is None else df._meta.assign(**empty)


def predict(data: Any, model: Any, column: str = "text", k: int = 1, threshold: float = 0.0,
            on_newline: str = "error", prefix: str = "", mmap: bool = True) -> Any:
    """Labels of every text of a Dask DataFrame column, Series or Bag.

    Parameters
    ----------
    data : dask.dataframe.DataFrame, dask.dataframe.Series or dask.bag.Bag
        The texts (``data[column]`` for a DataFrame).
    model : str, os.PathLike or sentvec.Model
        A model file (or a model loaded from one) that every worker can read at the same path.
    k, threshold, on_newline
        As ``Model.predict``.
    prefix : str
        Prepended to the new column names.

    Returns
    -------
    The DataFrame with ``label``/``probability`` (k=1) or ``labels``/``probabilities`` columns added
    (a DataFrame of them for a Series; a Bag of dicts for a Bag), computed lazily.
    """
    import dask.bag as db
    import dask.dataframe as dd

    ref = model_ref(model, mmap)
    if isinstance(data, db.Bag):
        return data.map_partitions(_predict_bag, ref, k, threshold, on_newline, prefix)
    col = column if isinstance(data, dd.DataFrame) else None
    return data.map_partitions(_predict_partition, ref, col, k, threshold, on_newline, prefix,
                               meta=_meta(data, col, k, prefix))


def _predict_bag(texts, ref, k, threshold, on_newline, prefix):
    cols = predict_columns(get_model(ref), as_texts(list(texts), "bag"), k, threshold, on_newline, prefix)
    names = list(cols)
    return [dict(zip(names, (float(v) if isinstance(v, np.floating) else v for v in row)))
            for row in zip(*cols.values())]


def _embed_block(block, ref, on_newline):
    return embed_rows(get_model(ref), as_texts(block, "texts"), on_newline)


def embed(data: Any, model: Any, column: str = "text", on_newline: str = "error", mmap: bool = True) -> Any:
    """Sentence vectors of a Dask DataFrame column, Series or Bag: a Dask array (n, dim) float32
    (a Bag of float32 vectors for a Bag). Partition lengths are computed first for the array."""
    import dask.bag as db
    import dask.dataframe as dd

    ref = model_ref(model, mmap)
    dim = get_model(ref).get_dimension()
    if isinstance(data, db.Bag):
        return data.map_partitions(lambda texts: list(_embed_block(list(texts), ref, on_newline)))
    series = data[column] if isinstance(data, dd.DataFrame) else data
    arr = series.to_dask_array(lengths=True)
    return arr.map_blocks(_embed_block, ref, on_newline, dtype=np.float32, new_axis=1,
                          chunks=(arr.chunks[0], (dim,)))
