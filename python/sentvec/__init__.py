"""sentvec: fast word and sentence embeddings, compatible with fastText and sent2vec.

``import sentvec as fasttext`` runs typical fastText code unchanged.
"""

from __future__ import annotations

from ._core import FormatError
from .model import Model, load_model
from .ngrams import ngram_ids

FastText = Model  # the name of fastText's model class
_FastText = Model

__all__ = [
    "FormatError",
    "Model",
    "FastText",
    "load_model",
    "ngram_ids",
    "evaluate",
]

try:  # training is added by sentvec.train
    from .train import train_supervised, train_unsupervised  # noqa: F401

    __all__ += ["train_supervised", "train_unsupervised"]
except ImportError:  # pragma: no cover - during partial builds
    pass

from . import (
    _sent2vec,  # noqa: E402,F401  (registers model="sent2vec" with train_unsupervised)
    evaluate,  # noqa: E402  (sentvec.evaluate: STS, word similarity, analogies)
)

__version__ = "0.1.0"
