"""What autotune chose: ``Model.autotune_result`` (see ``train_supervised``)."""

from __future__ import annotations

from typing import Any

__all__ = ["AutotuneResult"]


class AutotuneResult(dict):
    """The options autotune chose, as a dict with fastText's names (``lr``, ``epoch``, ``dim``,
    ``wordNgrams``, ``bucket``, ``minn``, ``maxn``, ``loss``; with ``autotuneModelSize`` also
    ``quantized`` and, when quantized, ``dsub``, ``cutoff``, ``qnorm``), so that
    ``train_supervised(input, **{k: v for k, v in r.items() if k not in QUANT})`` retrains it.

    Attributes
    ----------
    score : float
        The metric of the chosen model on the validation file.
    metric : str
        ``autotuneMetric`` as given.
    trials : list of dict
        Every trial in order: ``options``, ``score`` (NaN: failed, abandoned or not quantized),
        ``cost`` (estimated reference seconds), ``seconds`` (wall time), ``file_size``, ``status``.
    deterministic : bool
        True with ``thread=1``: the budget was counted in estimated work (reference seconds), so
        the same seed gives the same trials and a byte-identical model.
    budget_seconds, used_seconds, wall_seconds : float
        ``autotuneDuration``, what the search used of it, and the wall time it took.
    model_size_limit, file_size : int
        The size limit in bytes (-1: none) and the chosen model's size as saved (-1: not known).
    """

    #: The keys that describe quantization rather than training options.
    QUANT = ("quantized", "dsub", "cutoff", "qnorm")

    def __init__(self, raw: dict[str, Any]):
        super().__init__(raw["options"])
        self.score: float = raw["score"]
        self.metric: str = raw["metric"]
        self.predictions: int = raw["predictions"]
        self.trials: list[dict[str, Any]] = raw["trials"]
        self.deterministic: bool = raw["deterministic"]
        self.budget_seconds: float = raw["budget_seconds"]
        self.used_seconds: float = raw["used_seconds"]
        self.wall_seconds: float = raw["wall_seconds"]
        self.model_size_limit: int = raw["model_size_limit"]
        self.file_size: int = raw["file_size"]

    def training_options(self) -> dict[str, Any]:
        """The chosen options without the quantization keys (to pass to ``train_supervised``)."""
        return {k: v for k, v in self.items() if k not in self.QUANT}

    def __repr__(self) -> str:
        return (f"AutotuneResult({dict.__repr__(self)}, {self.metric}={self.score:.6f}, "
                f"trials={len(self.trials)})")
