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
def _principal_directions(x: np.ndarray, dim: int, rows: int, block: int) -> np.ndarray:
    """The ``dim`` principal directions of the first ``rows`` rows of ``x`` (columns of a
    (cols, dim) float32 array), by decreasing variance. The covariance is accumulated in float64
    over blocks of ``block`` rows, so only one block is ever copied."""
    n = min(rows, x.shape[0])
    if n < 2:
        raise ValueError(f"reduce_model: the input matrix has {x.shape[0]} rows; a PCA needs at least 2")
    cols = x.shape[1]
    total = np.zeros(cols, dtype=np.float64)
    gram = np.zeros((cols, cols), dtype=np.float64)
    for start in range(0, n, block):
        b = np.asarray(x[start:min(n, start + block)], dtype=np.float64)
        total += b.sum(axis=0)
        gram += b.T @ b
    mean = total / n
    cov = (gram - n * np.outer(mean, mean)) / (n - 1)
    values, vectors = np.linalg.eigh(cov)  # ascending, real: the covariance is symmetric
    order = np.argsort(values)[::-1][:dim]
    p = vectors[:, order]
    # eigh's sign is arbitrary: make each direction's largest component positive, so the
    # reduced model does not depend on the LAPACK build.
    signs = np.sign(p[np.argmax(np.abs(p), axis=0), np.arange(dim)])
    return (p * np.where(signs == 0, 1.0, signs)).astype(np.float32)


def _project(x: np.ndarray, p: np.ndarray, block: int) -> np.ndarray:
    out = np.empty((x.shape[0], p.shape[1]), dtype=np.float32)
    for start in range(0, x.shape[0], block):
        stop = min(x.shape[0], start + block)
        np.matmul(x[start:stop], p, out=out[start:stop])
    return out


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
    if isinstance(target_dim, bool) or not isinstance(target_dim, (int, np.integer)):
        raise TypeError(f"target_dim must be an int, not {type(target_dim).__name__}")
    inp = ft_model.get_input_matrix()
    out = ft_model.get_output_matrix()
    if not 1 <= target_dim <= inp.shape[1]:
        raise ValueError(f"target_dim must be in [1, {inp.shape[1]}], the model's dimension (got {target_dim})")
    for name, v in (("rows", rows), ("block_rows", block_rows)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an int >= 1 (got {v!r})")
    p = _principal_directions(inp, int(target_dim), int(rows), int(block_rows))
    new_in = _project(inp, p, int(block_rows))
    new_out = _project(out, p, int(block_rows))
    del inp, out
    ft_model.set_matrices(new_in, new_out)
    return ft_model


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
