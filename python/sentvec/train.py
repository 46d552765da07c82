"""Training: ``train_unsupervised`` (skipgram, cbow, sent2vec) and ``train_supervised``.

The options, their aliases, positional order, defaults per model kind, ranges and help come from
the C++ option table (``_core.option_table()``, ``cpp/sentvec/args.cpp``): this module binds
positional and keyword arguments to option names and hands them to C++, which applies the
defaults of the model kind and checks every value. The names are those of the official
``fasttext`` package, plus ``seed`` and ``callback``, and sent2vec's ``dropoutK``,
``minCountTarget`` and ``scheme``.
"""

from __future__ import annotations

import inspect
import math
import os
from typing import Any, NamedTuple

from . import _core
from ._autotune import AutotuneResult
from ._corpus import memory_corpus, training_input
from .model import Model, load_model

__all__ = [
    "TrainingProgress",
    "defaults_for",
    "memory_corpus",
    "option_table",
    "train_supervised",
    "train_unsupervised",
]

#: The option table, once: a list of dicts (name, aliases, type, defaults by kind, choices,
#: range, help, trailer, positional, same_as, cli_default).
OPTIONS: list[dict[str, Any]] = _core.option_table()
#: The older snake_case names the official package accepts (and sent2vec's), to their names.
ALIASES: dict[str, str] = {a: o["name"] for o in OPTIONS for a in o["aliases"]}
UNSUPERVISED_KINDS = ("skipgram", "cbow", "sent2vec")


def option_table() -> list[dict[str, Any]]:
    """A copy of the option table (see ``cpp/sentvec/args.cpp``)."""
    return [dict(o) for o in OPTIONS]


def options_for(kind: str) -> list[dict[str, Any]]:
    """The table rows a model kind accepts, in table order."""
    return [o for o in OPTIONS if kind in o["defaults"]]


def defaults_for(kind: str) -> dict[str, Any]:
    """The Python defaults of a model kind (``thread`` is None: cpu count - 1, chosen in C++)."""
    return {o["name"]: o["defaults"][kind] for o in options_for(kind)}


def _positional(kind: str) -> tuple[str, ...]:
    return ("input", *(o["name"] for o in options_for(kind) if o["positional"]))


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
    epoch: int = 0
    """Epochs completed so far."""
    validation_epoch: int = 0
    """With ``validation``: the epoch the validation figures below are of (0 before the first)."""
    validation_precision: float = math.nan
    """P@1 on the validation file after ``validation_epoch`` (NaN without validation)."""
    validation_recall: float = math.nan
    """R@1 on the validation file after ``validation_epoch`` (NaN without validation)."""
    validation_loss: float = math.nan
    """Mean -log(p + 1e-5) of the gold labels of the validation lines (NaN without validation)."""
    best_epoch: int = 0
    """The epoch with the best validation P@1 so far (0: none)."""
    checkpoints: int = 0
    """Checkpoints written by this run so far."""


def _bind(fn: str, order: tuple[str, ...], kargs: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Positional and keyword arguments by option name (aliases resolved). Which names a model
    kind accepts, and their values, are checked in C++."""
    if len(kargs) > len(order):
        raise TypeError(f"{fn}() takes at most {len(order)} positional arguments ({len(kargs)} given)")
    given: dict[str, Any] = dict(zip(order, kargs))
    for key, value in kwargs.items():
        name = ALIASES.get(key, key)
        if name in given:
            raise TypeError(f"{fn}() got multiple values for option '{name}'")
        given[name] = value
    if "input" not in given:
        raise TypeError(f"{fn}() missing the required option 'input' (the training file)")
    return given


def _init_model(value: Any) -> Model | None:
    """``init_model`` as a Model: a path is mapped (mmap=True), so that continuing a large model
    copies its rows from the page cache into the new model, the only copy in memory."""
    if value is None or isinstance(value, Model):
        return value
    if isinstance(value, (str, bytes, os.PathLike)):
        return load_model(value, mmap=True)
    raise TypeError(f"init_model must be a path or a sentvec.Model, not {type(value).__name__}")


def _run(kind: str, given: dict[str, Any]) -> Model:
    callback = given.pop("callback", None)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, not {type(callback).__name__}")
    init = _init_model(given.pop("init_model", None))
    grow_vocab = given.pop("grow_vocab", True)
    if not isinstance(grow_vocab, bool):
        raise TypeError(f"grow_vocab must be a bool, not {type(grow_vocab).__name__}")
    label = given.get("label") or given.get("label_prefix")
    if not isinstance(label, str):
        label = init.args["label"] if init is not None else "__label__"
    supervised = kind == "supervised"
    path = training_input(given.pop("input"), supervised, label)

    def poll(status: tuple) -> bool:
        try:
            r = callback(TrainingProgress(*status))
        except StopIteration:
            return False
        return r is not False

    hook = poll if callback is not None else None
    every = given.get("checkpointEvery")
    if isinstance(every, (int, float)) and not isinstance(every, bool):
        given["checkpointEvery"] = repr(every)  # a number of epochs (the option is text: "30s")
    if kind == "supervised" and given.get("autotuneValidationFile"):
        if init is not None or not isinstance(path, str):
            raise ValueError("option 'autotuneValidationFile': autotune trains new models from a "
                             "file; it takes neither init_model nor in-memory input")
        core, result = _core.autotune(kind, given, path, hook)
        model = Model(core)
        model.autotune_result = AutotuneResult(result)
        return model
    report: dict[str, Any] = {}
    extra = {} if init is None else {"init_model": init._core, "grow_vocab": grow_vocab}
    model = Model(_core.train(kind, given, path, hook, report=report, **extra))
    model.validation_history = report["validation"]
    model.best_epoch = report["best_epoch"] if report["validation"] else None
    model.early_stopped = report["early_stopped"]
    model.last_checkpoint = report["last_checkpoint"] or None
    return model


def train_unsupervised(*kargs: Any, **kwargs: Any) -> Model:
    """Train word vectors (skipgram, cbow) or sentence vectors (sent2vec) on a text file.

    Parameters
    ----------
    input : str, os.PathLike, iterable of str, iterator, or file object
        Training text, UTF-8, tokens separated by whitespace; one sentence per line. A path
        names a file; anything else is copied once into an in-memory corpus in C++ (see
        ``memory_corpus``: one line per element, a file object's bytes as they are), and the
        model then equals the one trained on a file of those lines (same seed, ``thread=1``).
    init_model : str, os.PathLike or Model, optional
        Train this model further (official fastText ``.bin`` v11/v12, sent2vec, sentvec; a path
        is loaded with ``mmap=True``; a Model is not modified). The options that define its
        shape (model, dim, minn, maxn, bucket, wordNgrams, scheme, loss, label) are the model's:
        giving another value raises ``ValueError`` naming the option and both values. Other
        options (lr, epoch, ws, neg, t, minCount, ...) apply to the new run as for a new model,
        and the lr decays over ``epoch`` passes of the new text. Old words keep their ids and
        rows; the dictionary counts become old count + count in the new text, and so do
        ``ntokens`` (subsampling and the negative table use these sums; with ``loss='hs'`` the
        Huffman tree is rebuilt from them). The model's input matrix stays nwords + bucket rows:
        n-gram rows move down past new words' rows.
    grow_vocab : bool, default True
        Append the words (and labels) of the new text that occur ``minCount``
        (``minCountLabel``) times there and the model lacks, with rows initialised as a new
        model's (input) and zeros (output); False ignores them as out-of-vocabulary tokens.
    callback : callable, optional
        ``callback(p: TrainingProgress)`` is called on the calling thread about ten times a
        second and once at the end. Returning ``False`` or raising ``StopIteration`` stops
        training early and returns the model trained so far; any other exception stops
        training and propagates.
    {options}

    Checkpoints: with ``checkpoint=DIR`` training writes ``DIR/ckpt-N`` (``model.bin``, a
    normal model file, and ``state.txt``) every ``checkpoint_every`` epochs (a number, may be
    fractional; default 1) or seconds (``"30s"``, ``"5m"``, ``"1h"``), keeping the newest
    ``checkpointKeep`` (default 1; 0 keeps all). ``resume=DIR`` (or one checkpoint's folder)
    continues from the newest complete checkpoint: options not given are the checkpoint's, given
    ones must agree with it (``ValueError`` otherwise), and the corpus must be the same file
    unchanged. With ``thread=1`` a resumed run ends with the same model bytes as an
    uninterrupted one. Taking a checkpoint does not change what is trained.

    Returns
    -------
    Model
        The trained model (``save_model`` writes a .bin that official fastText loads).
        ``model.last_checkpoint`` is the folder of the last checkpoint written (or None).

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
    return _run("skipgram", _bind("train_unsupervised", _positional("skipgram"), kargs, kwargs))


def train_supervised(*kargs: Any, **kwargs: Any) -> Model:
    """Train a text classifier on a file of lines ``__label__x [__label__y ...] words ...``.

    Parameters
    ----------
    input : str, os.PathLike, iterable, iterator, or file object
        Training file, one example per line, labels marked by the ``label`` prefix; or lines,
        or ``(text, label)`` / ``(text, [labels])`` pairs (the prefix is added to a label that
        lacks it), copied into an in-memory corpus as for ``train_unsupervised``.
    init_model : str, os.PathLike or Model, optional
        Train this model further (official fastText ``.bin`` v11/v12, sent2vec, sentvec; a path
        is loaded with ``mmap=True``; a Model is not modified). The options that define its
        shape (model, dim, minn, maxn, bucket, wordNgrams, scheme, loss, label) are the model's:
        giving another value raises ``ValueError`` naming the option and both values. Other
        options (lr, epoch, ws, neg, t, minCount, ...) apply to the new run as for a new model,
        and the lr decays over ``epoch`` passes of the new text. Old words keep their ids and
        rows; the dictionary counts become old count + count in the new text, and so do
        ``ntokens`` (subsampling and the negative table use these sums; with ``loss='hs'`` the
        Huffman tree is rebuilt from them). The model's input matrix stays nwords + bucket rows:
        n-gram rows move down past new words' rows.
    grow_vocab : bool, default True
        Append the words (and labels) of the new text that occur ``minCount``
        (``minCountLabel``) times there and the model lacks, with rows initialised as a new
        model's (input) and zeros (output); False ignores them as out-of-vocabulary tokens.
    callback : callable, optional
        As for ``train_unsupervised``: return ``False`` or raise ``StopIteration`` to stop early.
    {options}
    ``bucket`` is unused, as in fastText, when ``wordNgrams <= 1`` and ``maxn == 0``.

    Autotune: with ``autotuneValidationFile``, many models are trained with options searched
    around the given ones (lr, epoch, dim, wordNgrams, bucket, minn/maxn; with
    ``autotuneModelSize`` also the quantization) and the one with the best ``autotuneMetric``
    on the validation file is returned, with ``model.autotune_result`` (the chosen options,
    the score and every trial). ``autotuneMetric``: ``"f1"``, ``"f1:LABEL"``,
    ``"precisionAtRecall:X[:LABEL]"`` or ``"recallAtPrecision:X[:LABEL]"`` (X in percent);
    ``autotunePredictions``: k of the validation predictions (-1: every label);
    ``autotuneModelSize``: e.g. ``"2M"`` (10^6 bytes): the returned model is quantized when
    needed so that ``save_model`` writes at most that many bytes. With ``thread=1`` the
    ``autotuneDuration`` budget is counted in estimated work ("reference seconds" of one
    unloaded core), so two runs with the same ``seed`` choose the same options and give
    byte-identical files; with more threads it is wall time, as in fastText. The callback sees
    the progress of the whole search; returning ``False`` stops it with the best model so far.

    Validation: with ``validation=PATH`` (a labelled file), P@1, R@1 and the validation loss
    are computed after every epoch and reported through the callback (``epoch``,
    ``validation_precision`` ...) and the progress line; ``model.validation_history`` lists
    them. ``early_stop=N`` stops after N epochs without a better P@1 and returns the best
    epoch's model (``model.best_epoch``). Checkpoints and ``resume`` work as for
    ``train_unsupervised``.

    Returns
    -------
    Model
        The trained model; its ``predict``/``test`` match official fastText on the saved .bin.

    Raises
    ------
    ValueError
        As for ``train_unsupervised``, and when the corpus has no label.
    """
    return _run("supervised", _bind("train_supervised", _positional("supervised"), kargs, kwargs))


# ---------------------------------------------------------------- signatures and docs from the table
def _shown(value: Any) -> str:
    return "cpu count - 1" if value is None else repr(value)


def _option_doc(o: dict[str, Any], kinds: tuple[str, ...]) -> str:
    own = [k for k in kinds if k in o["defaults"]]
    values = {k: o["defaults"][k] for k in own}
    first = values[own[0]]
    default = _shown(first)
    others = [f"{k}: {_shown(v)}" for k, v in values.items() if v != first and o["name"] != "model"]
    if others:
        default += f" ({', '.join(others)})"
    typ = o["type"] if not o["choices"] else "{" + ", ".join(repr(c) for c in o["choices"]) + "}"
    if len(own) < len(kinds):
        typ += f", {' and '.join(own)} only"
    extra = [] if o["range"] is None else [o["range"]]
    extra += [f"alias {', '.join(o['aliases'])}"] if o["aliases"] else []
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{o['name']} : {typ}, default {default}\n        {o['help']}{tail}."


def _setup(fn: Any, kinds: tuple[str, ...]) -> None:
    """Give ``fn`` the signature and option docs of the table (first kind's defaults)."""
    P = inspect.Parameter
    rows = [o for o in OPTIONS if any(k in o["defaults"] for k in kinds)]
    params = [P("input", P.POSITIONAL_OR_KEYWORD)]
    for o in rows:
        own = next(k for k in kinds if k in o["defaults"])
        positional = o["positional"] and kinds[0] in o["defaults"]
        params.append(P(o["name"], P.POSITIONAL_OR_KEYWORD if positional else P.KEYWORD_ONLY,
                        default=o["defaults"][own]))
    params.sort(key=lambda p: p.kind)  # keyword-only after the positional ones
    params.append(P("callback", P.KEYWORD_ONLY, default=None))
    params.append(P("init_model", P.KEYWORD_ONLY, default=None))
    params.append(P("grow_vocab", P.KEYWORD_ONLY, default=True))
    fn.__signature__ = inspect.Signature(params, return_annotation=Model)
    docs = "\n    ".join(_option_doc(o, kinds) for o in rows)
    fn.__doc__ = fn.__doc__.replace("{options}", docs)


_setup(train_unsupervised, UNSUPERVISED_KINDS)
_setup(train_supervised, ("supervised",))
