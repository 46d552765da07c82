"""Documents of several lines for ``predict`` and ``embed_sentences`` (``on_newline=``).

fastText scores one line at a time and refuses a newline inside a text (``"error"``, the default).
``"join"`` scores a document as one line: each newline counts as a space, so the result is that of
``text.replace("\\n", " ")``. ``"split"`` scores each line of a document and averages: the
sentence vector of a document is the mean of its lines' sentence vectors, and its label
probabilities are the mean over its lines of each label's probability (a label a line does not
predict counts as 0 there), from which the top ``k`` above ``threshold`` are reported. Lines with
no token (empty or blank) are not counted; a document without any such line is scored as the
empty line ``""``. Each line weighs the same, however long it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._util import check_str

ON_NEWLINE = ("error", "join", "split")


def check_on_newline(on_newline: str) -> str:
    if on_newline not in ON_NEWLINE:
        raise ValueError(f"on_newline must be one of {', '.join(ON_NEWLINE)} (got {on_newline!r})")
    return on_newline


def join_lines(texts: Sequence, what: str) -> list[str]:
    """``on_newline="join"``: every document as one line."""
    return [check_str(t, f"{what}[{i}]").replace("\n", " ") for i, t in enumerate(texts)]


def split_lines(texts: Sequence, what: str) -> tuple[list[str], np.ndarray]:
    """``on_newline="split"``: the lines of all documents, and where each document's lines start."""
    lines: list[str] = []
    starts = np.empty(len(texts), dtype=np.int64)
    for i, t in enumerate(texts):
        starts[i] = len(lines)
        before = len(lines)
        lines.extend(line for line in check_str(t, f"{what}[{i}]").split("\n") if line.strip())
        if len(lines) == before:
            lines.append("")
    return lines, starts


def mean_rows(rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Mean (float64) of each document's run of rows; every document has at least one row."""
    if len(starts) == 0:
        return np.zeros((0, rows.shape[1]), dtype=np.float64)
    counts = np.diff(np.append(starts, rows.shape[0]))
    sums = np.add.reduceat(rows.astype(np.float64, copy=False), starts, axis=0)
    return sums / counts[:, None]


def mean_predictions(labels: list[list[str]], probs: list[np.ndarray], starts: np.ndarray,
                     all_labels: list[str], k: int, threshold: float) -> tuple[list[list[str]], list[np.ndarray]]:
    """Average the per-line label distributions of each document, then take its top ``k``."""
    index = {label: j for j, label in enumerate(all_labels)}
    dtype = probs[0].dtype if probs else np.float32
    dist = np.zeros((len(labels), len(all_labels)), dtype=np.float64)
    for row, (ls, ps) in enumerate(zip(labels, probs)):
        dist[row, [index[label] for label in ls]] = ps
    per_doc = mean_rows(dist, starts)
    out_labels, out_probs = [], []
    for d in per_doc:
        order = np.argsort(-d, kind="stable")[:k]
        order = order[d[order] >= threshold]
        out_labels.append([all_labels[j] for j in order])
        out_probs.append(d[order].astype(dtype))
    return out_labels, out_probs
