"""sentvec: fast word and sentence embeddings, compatible with fastText and sent2vec.

``import sentvec as fasttext`` runs typical fastText code unchanged.
"""

from __future__ import annotations

from ._core import FormatError
from .model import Model, load_model, tokenize
from .ngrams import ngram_ids
from .train import train_supervised, train_unsupervised

FastText = Model  # the name of fastText's model class
_FastText = Model

__all__ = [
    "FormatError",
    "Model",
    "FastText",
    "load_model",
    "ngram_ids",
    "evaluate",
    "tokenize",
    "train_supervised",
    "train_unsupervised",
]

from . import evaluate  # noqa: E402  (sentvec.evaluate: STS, word similarity, analogies)

__version__ = "0.1.0"
