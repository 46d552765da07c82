"""``sentvec.FastText``: the names of the official ``fasttext.FastText`` module.

``import sentvec as fasttext`` then ``fasttext.FastText._FastText``, ``fasttext.FastText.load_model``
and ``fasttext.FastText.EOS`` resolve as with the official package.
"""

from __future__ import annotations

from typing import Any

from ._fasttext_f import loss_name, model_name
from .model import Model, load_model, tokenize
from .train import train_supervised, train_unsupervised

#: The end-of-sentence token, and the begin/end-of-word marks around a word's char n-grams.
EOS = "</s>"
BOW = "<"
EOW = ">"

_FastText = Model

__all__ = [
    "BOW", "EOS", "EOW", "_FastText", "cbow", "load_model", "loss_name", "model_name", "skipgram",
    "supervised", "tokenize", "train_supervised", "train_unsupervised",
]


def _removed(name: str, instead: str):
    def fn(*args: Any, **kwargs: Any):
        raise Exception(f"`{name}` is not supported any more (as in official fastText >= 0.9): use {instead}")

    fn.__name__ = name
    fn.__doc__ = f"Removed from the official package; use {instead}."
    return fn


cbow = _removed("cbow", "`train_unsupervised` with model='cbow'")
skipgram = _removed("skipgram", "`train_unsupervised` with model='skipgram'")
supervised = _removed("supervised", "`train_supervised`")
