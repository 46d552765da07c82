"""sentvec: fast word and sentence embeddings, compatible with fastText and sent2vec.

``import sentvec as fasttext`` runs fastText code unchanged: the official package's functions,
``fasttext.FastText`` module (``_FastText``, ``EOS``, ...) and ``fasttext.util`` are all here.
"""

from __future__ import annotations

from . import FastText  # the official module name: FastText._FastText, FastText.EOS, ...
from .errors import DivergedError, FormatError, ThreadError, UnknownOptionError
from .FastText import BOW, EOS, EOW, cbow, skipgram, supervised
from .model import Model, load_model, tokenize
from .ngrams import ngram_ids
from .train import memory_corpus, train_supervised, train_unsupervised

_FastText = Model

__all__ = [
    "BOW",
    "DivergedError",
    "EOS",
    "EOW",
    "FastText",
    "FormatError",
    "Model",
    "ThreadError",
    "UnknownOptionError",
    "cbow",
    "evaluate",
    "load_model",
    "memory_corpus",
    "ngram_ids",
    "skipgram",
    "supervised",
    "tokenize",
    "train_supervised",
    "train_unsupervised",
    "util",
]

from . import (
    evaluate,  # noqa: E402  (sentvec.evaluate: STS, word similarity, analogies)
    util,  # noqa: E402  (sentvec.util: the official fasttext.util)
)

__version__ = "0.1.0"
