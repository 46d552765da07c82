"""Registers ``model="sent2vec"`` with ``train_unsupervised``: its defaults and options.

The C++ step is ``cpp/sentvec/sent2vec_step.cpp``. Defaults follow sent2vec's documented help
(lr 0.2, dim 100, epoch 5, minCount 5, wordNgrams 2, neg 10, dropoutK 2, bucket 2000000,
t 1e-4, loss ns) without character n-grams (minn = maxn = 0). sent2vec reuses fastText's
``minCountLabel`` as the minimum count of a *target* word; here that option is called
``minCountTarget`` and ``minCountLabel`` stays accepted as its alias.
"""

from __future__ import annotations

from typing import Any

from . import train as _train

SENT2VEC_DEFAULTS: dict[str, Any] = {
    "lr": 0.2,
    "dim": 100,
    "epoch": 5,
    "minCount": 5,
    "minCountLabel": None,  # alias of minCountTarget; None = not given
    "wordNgrams": 2,
    "neg": 10,
    "bucket": 2000000,
    "t": 1e-4,
    "loss": "ns",
    "minn": 0,
    "maxn": 0,
}
SENT2VEC_OPTIONS: dict[str, Any] = {
    "dropoutK": 2,  # positions per target whose n-grams are dropped from the context
    "minCountTarget": None,  # minimum count of a word to be a target (default 0: every word)
    "scheme": "sentvec",  # word n-gram hashing (the only scheme sent2vec models train with)
}


def _finalize(opts: dict[str, Any]) -> dict[str, Any]:
    target = opts.pop("minCountTarget", None)
    label = opts.get("minCountLabel")
    if target is not None and label is not None and target != label:
        raise ValueError(
            f"options 'minCountTarget' ({target}) and its alias 'minCountLabel' ({label}) disagree; "
            "give one of them"
        )
    value = target if target is not None else label
    opts["minCountLabel"] = 0 if value is None else value
    if opts.get("scheme") != "sentvec":
        raise ValueError(
            f"option 'scheme' must be 'sentvec' to train a sent2vec model (got {opts.get('scheme')!r}); "
            "the 'sent2vec' and 'fasttext' schemes are kept only to read existing models"
        )
    return opts


_train.MODEL_DEFAULTS["sent2vec"] = SENT2VEC_DEFAULTS
_train.MODEL_EXTRA_OPTIONS["sent2vec"] = SENT2VEC_OPTIONS
_train.MODEL_FINALIZE["sent2vec"] = _finalize
_train.ALIASES.setdefault("min_count_target", "minCountTarget")
_train.ALIASES.setdefault("dropout_k", "dropoutK")
