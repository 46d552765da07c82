"""fastText's meter: precision, recall and F1 per label, and the precision-recall curve.

``Model.get_meter(path, k=-1)`` returns a :class:`Meter` with the methods (and return
types) of the official package's ``_Meter``, plus the per-label figures that fastText's C++
meter computes but its Python package does not expose.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Meter"]


class Meter:
    """Figures of a supervised model on a labelled file (see ``Model.get_meter``).

    ``label`` arguments take a full label (``"__label__baking"``); ``None`` or ``""`` means
    every label together (micro-averaged), as in fastText. Scores are the probabilities that
    ``predict`` reports (``p + 1e-5``, capped at 1); a gold label the model did not predict
    is recorded with score -1.

    Unlike fastText, an unknown label raises ``ValueError`` (fastText silently answers for
    every label, because its label id -1 also means "all").
    """

    def __init__(self, model: Any, meter: Any):
        self.f = model
        self.m = meter

    def _label_id(self, label: str | None) -> int:
        if not label:
            return -1
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        i = self.f.get_label_id(label)
        if i < 0:
            raise ValueError(f"unknown label {label!r} (labels are e.g. {self.f.get_labels()[:3]})")
        return i

    @property
    def nexamples(self) -> int:
        """Number of examples scored (lines with at least one label and one word)."""
        return self.m.nexamples

    def score_vs_true(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """(scores, gold) of every prediction of ``label`` and every miss of it, sorted by score:
        gold is 1.0 where the label was a gold label of the example, else 0.0."""
        pairs = self.m.score_vs_true(self._label_id(label))
        if not pairs:
            return np.array([], dtype=np.float64), np.array([], dtype=np.float64)
        scores, gold = zip(*pairs)
        return np.array(scores, dtype=np.float64), np.array(gold, dtype=np.float64)

    def precision_recall_curve(self, label: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(precision, recall) arrays, one point per distinct score from the highest down,
        ending with (1, 0); empty when nothing was predicted."""
        pairs = self.m.precision_recall_curve(self._label_id(label))
        if not pairs:
            return np.array([], dtype=np.float64), np.array([], dtype=np.float64)
        precision, recall = zip(*pairs)
        return np.array(precision, dtype=np.float64), np.array(recall, dtype=np.float64)

    def precision_at_recall(self, recall: float, label: str | None = None) -> float:
        """The best precision at a recall of at least ``recall`` (0.0 when unreachable)."""
        return self.m.precision_at_recall(float(recall), self._label_id(label))

    def recall_at_precision(self, precision: float, label: str | None = None) -> float:
        """The best recall at a precision of at least ``precision`` (0.0 when unreachable)."""
        return self.m.recall_at_precision(float(precision), self._label_id(label))

    # ------------------------------------------------ figures fastText's C++ meter prints
    def precision(self, label: str | None = None) -> float:
        """Correct predictions / predictions (NaN when there is none)."""
        return self.m.precision(self._label_id(label))

    def recall(self, label: str | None = None) -> float:
        """Correct predictions / gold labels (NaN when there is none)."""
        return self.m.recall(self._label_id(label))

    def f1_score(self, label: str | None = None) -> float:
        """2 * correct / (predictions + gold labels) (NaN when both are 0)."""
        return self.m.f1(self._label_id(label))

    def counts(self, label: str | None = None) -> dict[str, int]:
        """The raw counts: gold labels, predictions and correct predictions."""
        gold, predicted, correct = self.m.counts(self._label_id(label))
        return {"gold": gold, "predicted": predicted, "predicted_gold": correct}

    def __repr__(self) -> str:
        return (f"<sentvec.Meter examples={self.nexamples} precision={self.precision():.4f} "
                f"recall={self.recall():.4f} f1={self.f1_score():.4f}>")
