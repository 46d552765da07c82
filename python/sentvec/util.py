"""``sentvec.util``: the official ``fasttext.util`` functions for sentvec models.

``test``, ``find_nearest_neighbor``, ``reduce_model`` and ``download_model`` keep the official
names, arguments and results. Differences (each listed in the README's drop-in table):

- ``reduce_model`` sorts the principal directions by decreasing variance (the official one takes
  ``numpy.linalg.eig``'s unsorted order), gives each a deterministic sign, accumulates the
  covariance in float64 over blocks of rows (a mapped model is read once, never copied whole)
  and raises ``ValueError`` for a dimension that is not in ``[1, dim]``.
- ``download_model`` resumes an interrupted download (HTTP Range), checks the size (and a SHA-256
  when given), renames atomically under a lock so that concurrent calls never leave a broken
  file, honours ``dimension`` (the official one ignores it) and takes its base URL from
  ``base_url`` or the ``SENTVEC_DOWNLOAD_URL`` environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import _download
from ._download import DEFAULT_BASE_URL, DownloadError, valid_lang_ids
from ._reduce import pca_reduce

__all__ = [
    "DEFAULT_BASE_URL", "DownloadError", "download_model", "find_nearest_neighbor", "reduce_model",
    "test", "valid_lang_ids",
]


def test(predictions: Iterable, labels: Iterable, k: int = 1) -> tuple[float, float]:
    """Precision and recall of predicted labels against gold labels, as fastText's ``test``.

    Parameters
    ----------
    predictions : iterable of sequences
        The predicted labels of each example (e.g. ``model.predict(lines, k)[0]``).
    labels : iterable of sequences
        The gold labels of each example.
    k : int
        The number of predictions asked per example: precision is ``hits / (k * examples)``.

    Returns
    -------
    (precision, recall)
        Recall is ``hits / number of gold labels`` (NaN when there is none, where the official
        function divides by zero).

    Raises
    ------
    ValueError
        No example at all, or ``k < 1``.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int >= 1 (got {k!r})")
    hits = nexamples = ngold = 0
    for predicted, gold in zip(predictions, labels):
        gold_set = set(gold)
        hits += sum(1 for p in predicted if p in gold_set)
        nexamples += 1
        ngold += len(gold)
    if nexamples == 0:
        raise ValueError("test: no example (predictions and labels are empty)")
    return hits / (k * nexamples), (hits / ngold if ngold else float("nan"))


def find_nearest_neighbor(query: np.ndarray, vectors: np.ndarray, ban_set: Any,
                          cossims: np.ndarray | None = None) -> int:
    """Index of the row of ``vectors`` with the largest dot product with ``query``, skipping the
    indices in ``ban_set`` (normalize both for cosine). ``cossims``, an array of
    ``len(vectors)`` values, receives every dot product if given.

    Raises
    ------
    ValueError
        Every row is banned (the official function then returns a banned or wrong index), or
        the shapes do not fit.
    """
    vectors = np.asarray(vectors)
    query = np.asarray(query)
    if vectors.ndim != 2 or query.shape != (vectors.shape[1],):
        raise ValueError(f"find_nearest_neighbor: query of shape {query.shape} does not fit vectors "
                         f"of shape {vectors.shape}")
    if cossims is None:
        cossims = vectors @ query
    else:
        np.matmul(vectors, query, out=cossims)
    scores = np.array(cossims, dtype=np.float64)
    banned = [i for i in ban_set if 0 <= i < len(scores)]
    scores[banned] = -np.inf
    if len(scores) == 0 or len(set(banned)) == len(scores):
        raise ValueError("find_nearest_neighbor: every vector is in ban_set")
    return int(np.argmax(scores))


# ------------------------------------------------------------------------------ reduce_model
def reduce_model(ft_model: Any, target_dim: int, *, rows: int = 100_000, block_rows: int = 16_384) -> Any:
    """Reduce a model's dimension to ``target_dim`` by a PCA of its input matrix, in place.

    As the official ``fasttext.util.reduce_model``: the principal directions are those of the
    first ``rows`` (100000) rows of the input matrix, centred; the input and the output matrix
    are both multiplied by them (uncentred), so scores ``output . hidden`` stay consistent;
    ``set_matrices`` installs them. The directions come sorted by decreasing variance.

    Works on a mapped model (``load_model(path, mmap=True)``): the matrix is read in blocks of
    ``block_rows`` rows and never copied whole; the model then holds the reduced matrices in
    memory and is no longer mapped.

    Returns
    -------
    The same model object, reduced.

    Raises
    ------
    ValueError
        ``target_dim`` not in ``[1, dim]``, or the model is quantized.
    """
    return pca_reduce(ft_model, target_dim, rows=rows, block_rows=block_rows)


# ------------------------------------------------------------------------------ download_model
def _reduce_file(src: str, dst: str, dim: int) -> None:
    """Map ``src``, reduce it to ``dim`` and save it as ``dst`` (save_model is atomic)."""
    from .model import load_model

    model = load_model(src, mmap=True)
    reduce_model(model, dim)
    model.save_model(dst)


def download_model(lang_id: str, if_exists: str = "strict", dimension: int | None = None, *,
                   base_url: str | None = None, directory: str | os.PathLike = ".",
                   progress: bool = True, retries: int = 5, timeout: float = 60.0,
                   sha256: str | None = None) -> str | None:
    return _download.download_model(lang_id, if_exists, dimension, base_url=base_url, directory=directory,
                                    progress=progress, retries=retries, timeout=timeout, sha256=sha256,
                                    reduce=_reduce_file)


download_model.__doc__ = _download.download_model.__doc__
