"""The PCA behind ``util.reduce_model`` and ``Model.reduce_dim`` (one copy; this module imports
no other sentvec module, so both can use it without an import cycle)."""

from __future__ import annotations

from typing import Any

import numpy as np


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


def pca_reduce(ft_model: Any, target_dim: int, *, rows: int = 100_000, block_rows: int = 16_384) -> Any:
    """``util.reduce_model``'s body (see its docstring): checks, PCA, projection, set_matrices."""
    if isinstance(target_dim, bool) or not isinstance(target_dim, (int, np.integer)):
        raise TypeError(f"target_dim must be an int, not {type(target_dim).__name__}")
    inp = ft_model.get_input_matrix()
    out = ft_model.get_output_matrix()
    if inp.dtype == np.float16:
        raise ValueError("reduce: the model is stored as float16 (reduce before to_float16)")
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
