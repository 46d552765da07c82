"""The training verbs' flags and help, read from THE option table (``_core.option_table()``,
``cpp/sentvec/args.cpp``) through ``sentvec.train``.

One entry per option: the API's name, the flag (fastText's spelling, e.g. ``-autotune-validation``
for ``autotuneValidationFile``), the value type, the model kinds that take it, the help line. The
defaults shown by ``sentvec help <kind>`` are the table's. Only ``-input``, ``-output``,
``-saveOutput`` and ``-initModel`` (the API's ``init_model``) are not in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import train as _train

KINDS = ("supervised", "skipgram", "cbow", "sent2vec")
_TYPES = {"int": "int", "float": "float", "str": "str", "path": "str"}


@dataclass(frozen=True)
class OptionSpec:
    name: str  # the training API's option name
    kind: str  # "int", "uint64", "float", "str", "flag"
    help: str
    kinds: tuple[str, ...] = KINDS
    flag: str = ""  # the command-line flag without its dash, when it differs from ``name``
    api: bool = True  # False: handled by the command line itself (-output, -saveOutput)

    @property
    def cli_name(self) -> str:
        return self.flag or self.name


def _from_table(o: dict[str, Any]) -> OptionSpec:
    kind = "uint64" if o["name"] == "seed" else _TYPES[o["type"]]
    kinds = tuple(k for k in KINDS if k in o["defaults"])
    flag = "" if o["cli_flag"] == o["name"] else o["cli_flag"]
    return OptionSpec(o["name"], kind, o["help"], kinds, flag)


# "model" is not a flag: the verb is the model kind.
_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec("input", "str", "training file path ('-' reads standard input)"),
    OptionSpec("output", "str", "output file path, without extension: writes <output>.bin and <output>.vec",
               api=False),
    *(_from_table(o) for o in _train.OPTIONS if o["name"] != "model"),
    OptionSpec("init_model", "str", "train this model (.bin of fastText, sent2vec or sentvec) further on "
               "-input; its dim, minn, maxn, bucket, wordNgrams and loss are kept", flag="initModel"),
    OptionSpec("saveOutput", "flag", "also write the output vectors to <output>.output", api=False),
)


def training_options(kind: str) -> list[OptionSpec]:
    """The options of training verb ``kind``, in help order."""
    return [s for s in _SPECS if kind in s.kinds]


def training_defaults(kind: str) -> dict[str, Any]:
    """The option table's defaults for ``kind`` (by API name), as ``sentvec help <kind>`` shows them."""
    d: dict[str, Any] = _train.defaults_for(kind)
    for o in _train.OPTIONS:
        if o["name"] not in d:
            continue
        if o["cli_default"] is not None:  # the command line picks its own (verbose)
            d[o["name"]] = o["cli_default"]
        elif d[o["name"]] is None:  # computed in C++ (thread)
            d[o["name"]] = "cpu count - 1"
    return d
