"""Training: ``train_unsupervised`` (skipgram, cbow, sent2vec) and ``train_supervised``.

The option names, aliases, positional order and defaults are those of the official
``fasttext`` package, plus ``seed`` (both functions) and ``callback``.
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, NamedTuple

from . import _core
from ._util import fspath
from .model import Model

__all__ = ["TrainingProgress", "train_supervised", "train_unsupervised"]


def _default_threads() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


# Positional order of the official package (after ``input``).
_UNSUPERVISED_ORDER = (
    "input", "model", "lr", "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn",
    "neg", "wordNgrams", "loss", "bucket", "thread", "lrUpdateRate", "t", "label", "verbose",
    "pretrainedVectors", "seed",
)
_SUPERVISED_ORDER = (
    "input", "lr", "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn", "neg",
    "wordNgrams", "loss", "bucket", "thread", "lrUpdateRate", "t", "label", "verbose",
    "pretrainedVectors", "seed", "autotuneValidationFile", "autotuneMetric",
    "autotunePredictions", "autotuneDuration", "autotuneModelSize",
)

_UNSUPERVISED_DEFAULTS: dict[str, Any] = {
    "model": "skipgram", "lr": 0.05, "dim": 100, "ws": 5, "epoch": 5, "minCount": 5,
    "minCountLabel": 0, "minn": 3, "maxn": 6, "neg": 5, "wordNgrams": 1, "loss": "ns",
    "bucket": 2000000, "thread": None, "lrUpdateRate": 100, "t": 1e-4, "label": "__label__",
    "verbose": 2, "pretrainedVectors": "", "seed": 0,
}
_SUPERVISED_DEFAULTS: dict[str, Any] = {
    "lr": 0.1, "dim": 100, "ws": 5, "epoch": 5, "minCount": 1, "minCountLabel": 0, "minn": 0,
    "maxn": 0, "neg": 5, "wordNgrams": 1, "loss": "softmax", "bucket": 2000000, "thread": None,
    "lrUpdateRate": 100, "t": 1e-4, "label": "__label__", "verbose": 2, "pretrainedVectors": "",
    "seed": 0, "autotuneValidationFile": "", "autotuneMetric": "f1", "autotunePredictions": 1,
    "autotuneDuration": 60 * 5, "autotuneModelSize": "",
}

#: Per-model overrides of the unsupervised defaults and extra options a model kind accepts
#: (name -> default). Other model kinds (sent2vec) register theirs here.
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {"skipgram": {}, "cbow": {}}
MODEL_EXTRA_OPTIONS: dict[str, dict[str, Any]] = {}
#: Per-model hook on the resolved options (name -> callable(opts) -> opts), run before the
#: options are checked (sent2vec folds its minCountTarget / minCountLabel alias there).
MODEL_FINALIZE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}

# The official package also accepts these older snake_case names.
ALIASES = {
    "min_count": "minCount",
    "word_ngrams": "wordNgrams",
    "lr_update_rate": "lrUpdateRate",
    "pretrained_vectors": "pretrainedVectors",
    "label_prefix": "label",
    "min_count_label": "minCountLabel",
}

_INT32 = (-(2**31), 2**31 - 1)
_INT_OPTIONS = {
    "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn", "neg", "wordNgrams",
    "bucket", "thread", "lrUpdateRate", "verbose", "autotunePredictions", "autotuneDuration",
    "dropoutK",
}
_FLOAT_OPTIONS = {"lr", "t"}
_STR_OPTIONS = {"model", "loss", "label", "autotuneMetric", "autotuneModelSize", "scheme"}
_PATH_OPTIONS = {"pretrainedVectors", "autotuneValidationFile"}


class TrainingProgress(NamedTuple):
    """What ``callback`` receives, about ten times a second and once at the end."""

    progress: float
    """Fraction of the training done, in [0, 1]."""
    lr: float
    """Current learning rate."""
    loss: float
    """Mean loss of the examples seen so far."""
    words_per_sec_per_thread: float
    eta_seconds: float
    tokens: int
    """Tokens processed so far (all threads)."""
    elapsed_seconds: float
    finished: bool
    """True for the last call, after training ended."""


def _resolve(fn: str, order: tuple[str, ...], defaults: dict[str, Any], kargs: tuple,
             kwargs: dict[str, Any], extra_names: tuple[str, ...] = ()) -> dict[str, Any]:
    """Merge positional and keyword options (aliases resolved) over the defaults."""
    if len(kargs) > len(order):
        raise TypeError(f"{fn}() takes at most {len(order)} positional arguments ({len(kargs)} given)")
    given: dict[str, Any] = dict(zip(order, kargs))
    allowed = set(order) | set(extra_names) | {"callback"}
    for key, value in kwargs.items():
        name = ALIASES.get(key, key)
        if name not in allowed:
            valid = ", ".join(sorted(n for n in allowed if n != "input"))
            raise ValueError(f"{fn}(): unknown option '{key}'; valid options are: {valid}")
        if name in given:
            raise TypeError(f"{fn}() got multiple values for option '{name}'")
        given[name] = value
    if "input" not in given:
        raise TypeError(f"{fn}() missing the required option 'input' (the training file)")
    opts = dict(defaults)
    opts.update(given)
    return opts


def _check_types(opts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, v in opts.items():
        if name in ("input", "callback"):
            continue
        if name == "thread" and v is None:
            v = _default_threads()
        if name == "seed":
            if isinstance(v, bool) or not hasattr(v, "__index__"):
                raise TypeError(f"option 'seed' must be an int, not {type(v).__name__}")
            v = int(v)
            if not 0 <= v < 2**64:
                raise ValueError(f"option 'seed' must be in [0, 2**64) (got {v})")
        elif name in _INT_OPTIONS:
            if isinstance(v, bool) or not hasattr(v, "__index__"):
                raise TypeError(f"option '{name}' must be an int, not {type(v).__name__}")
            v = int(v)
            if not _INT32[0] <= v <= _INT32[1]:
                raise ValueError(f"option '{name}' must fit in a 32-bit int (got {v})")
        elif name in _FLOAT_OPTIONS:
            if isinstance(v, bool) or not isinstance(v, (int, float)) and not hasattr(v, "__float__"):
                raise TypeError(f"option '{name}' must be a number, not {type(v).__name__}")
            v = float(v)
            if math.isnan(v):
                raise ValueError(f"option '{name}' must be a number, not NaN")
        elif name in _STR_OPTIONS:
            if not isinstance(v, str):
                raise TypeError(f"option '{name}' must be a str, not {type(v).__name__}")
        elif name in _PATH_OPTIONS:
            v = "" if v is None else fspath(v, f"option '{name}'")
        out[name] = v
    return out


def _run(fn: str, opts: dict[str, Any]) -> Model:
    callback = opts.get("callback")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, not {type(callback).__name__}")
    path = fspath(opts["input"], "input")
    options = _check_types(opts)

    def poll(status: tuple) -> bool:
        try:
            r = callback(TrainingProgress(*status))
        except StopIteration:
            return False
        return r is not False

    core = _core.train(options, path, poll if callback is not None else None)
    return Model(core)


def train_unsupervised(*kargs: Any, **kwargs: Any) -> Model:
    """Train word vectors (skipgram, cbow) or sentence vectors (sent2vec) on a text file.

    Parameters
    ----------
    input : str or os.PathLike
        Training text, UTF-8, tokens separated by whitespace; one sentence per line.
    model : {"skipgram", "cbow", "sent2vec"}
        Default "skipgram".
    lr, dim, ws, epoch, minCount, minCountLabel, minn, maxn, neg, wordNgrams, loss, bucket,
    thread, lrUpdateRate, t, label, verbose, pretrainedVectors
        fastText's options with its defaults: lr 0.05, dim 100, ws 5, epoch 5, minCount 5,
        minCountLabel 0, minn 3, maxn 6, neg 5, wordNgrams 1, loss "ns" ("hs", "softmax"),
        bucket 2000000, thread cpu_count - 1, lrUpdateRate 100, t 1e-4, label "__label__",
        verbose 2 (0 silent, 1 dictionary summary, 2 progress line on stderr),
        pretrainedVectors "" (a .vec file whose rows initialise the input vectors of its words;
        its words join the vocabulary). Aliases: min_count, word_ngrams, lr_update_rate,
        pretrained_vectors, label_prefix, min_count_label.
    seed : int
        Seeds every random draw. With ``thread=1`` the same seed gives a byte-identical model.
    callback : callable, optional
        ``callback(p: TrainingProgress)`` is called on the calling thread about ten times a
        second and once at the end. Returning ``False`` or raising ``StopIteration`` stops
        training early and returns the model trained so far; any other exception stops
        training and propagates.

    Returns
    -------
    Model
        The trained model (``save_model`` writes a .bin that official fastText loads).

    Raises
    ------
    ValueError
        Unknown option or value out of range (the message names it and the allowed range),
        empty corpus, no word with at least ``minCount`` occurrences, bad pretrained vectors.
    FileNotFoundError, IsADirectoryError, PermissionError
        The corpus (or the pretrained vectors) cannot be read.
    FloatingPointError
        Training diverged (NaN loss); the message says which options to lower.
    KeyboardInterrupt
        Ctrl-C: every training thread is stopped within about 0.1 s.
    """
    fn = "train_unsupervised"
    model = kwargs.get("model", kargs[1] if len(kargs) > 1 else "skipgram")
    if model == "supervised":
        raise ValueError("option 'model' must be 'skipgram', 'cbow' or 'sent2vec' here; "
                         "use train_supervised for a supervised model")
    if not isinstance(model, str) or (model not in MODEL_DEFAULTS and model not in MODEL_EXTRA_OPTIONS):
        kinds = sorted(set(MODEL_DEFAULTS) | set(MODEL_EXTRA_OPTIONS))
        raise ValueError(f"option 'model' must be one of {', '.join(repr(k) for k in kinds)} (got {model!r})")
    defaults = dict(_UNSUPERVISED_DEFAULTS)
    defaults.update(MODEL_DEFAULTS.get(model, {}))
    extra = MODEL_EXTRA_OPTIONS.get(model, {})
    defaults.update(extra)
    opts = _resolve(fn, _UNSUPERVISED_ORDER, defaults, kargs, kwargs, tuple(extra))
    if model in MODEL_FINALIZE:
        opts = MODEL_FINALIZE[model](opts)
    return _run(fn, opts)


def train_supervised(*kargs: Any, **kwargs: Any) -> Model:
    """Train a text classifier on a file of lines ``__label__x [__label__y ...] words ...``.

    Parameters
    ----------
    input : str or os.PathLike
        Training file, one example per line, labels marked by the ``label`` prefix.
    lr, dim, ws, epoch, minCount, minCountLabel, minn, maxn, neg, wordNgrams, loss, bucket,
    thread, lrUpdateRate, t, label, verbose, pretrainedVectors
        fastText's options with its supervised defaults: lr 0.1, dim 100, ws 5, epoch 5,
        minCount 1, minCountLabel 0, minn 0, maxn 0, neg 5, wordNgrams 1, loss "softmax"
        ("ns", "hs", "ova"), bucket 2000000 (unused, as in fastText, when wordNgrams <= 1
        and maxn == 0), thread cpu_count - 1, lrUpdateRate 100, t 1e-4, label "__label__",
        verbose 2, pretrainedVectors "". Aliases as for ``train_unsupervised``.
    seed : int
        Seeds every random draw. With ``thread=1`` the same seed gives a byte-identical model.
    callback : callable, optional
        As for ``train_unsupervised``: return ``False`` or raise ``StopIteration`` to stop early.
    autotuneValidationFile, autotuneMetric, autotunePredictions, autotuneDuration, autotuneModelSize
        Accepted for compatibility; autotuning is not implemented, so setting
        ``autotuneValidationFile`` raises ValueError.

    Returns
    -------
    Model
        The trained model; its ``predict``/``test`` match official fastText on the saved .bin.

    Raises
    ------
    ValueError
        As for ``train_unsupervised``, and when the corpus has no label.
    """
    fn = "train_supervised"
    opts = _resolve(fn, _SUPERVISED_ORDER, _SUPERVISED_DEFAULTS, kargs, kwargs)
    if opts.get("autotuneValidationFile"):
        raise ValueError("option 'autotuneValidationFile': autotuning is not implemented in sentvec; "
                         "train with explicit options instead")
    for k in ("autotuneValidationFile", "autotuneMetric", "autotunePredictions", "autotuneDuration",
              "autotuneModelSize"):
        opts.pop(k, None)
    opts["model"] = "supervised"
    return _run(fn, opts)
