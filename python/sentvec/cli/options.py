"""THE list of training options the training verbs' flags and help are built from.

One entry per option: the API's name, the flag (fastText's spelling, e.g. ``-autotune-validation``
for ``autotuneValidationFile``), the value type, the model kinds that take it, the help line, and
the default per model kind. The names and help are fastText's; the defaults are the training API's
(``training_defaults``). When the C++ option table is exposed (``_core.option_table()``), it
replaces ``_SPECS`` and ``training_defaults`` here and nothing else in the command line changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("supervised", "skipgram", "cbow", "sent2vec")
_ALL = KINDS
_S2V = ("sent2vec",)
_SUP = ("supervised",)


@dataclass(frozen=True)
class OptionSpec:
    name: str  # the training API's option name
    kind: str  # "int", "uint64", "float", "str", "flag"
    help: str
    kinds: tuple[str, ...] = _ALL
    flag: str = ""  # the command-line flag without its dash, when it differs from ``name``
    api: bool = True  # False: handled by the command line itself (-output, -saveOutput)

    @property
    def cli_name(self) -> str:
        return self.flag or self.name


_SPECS: tuple[OptionSpec, ...] = (
    OptionSpec("input", "str", "training file path ('-' reads standard input)"),
    OptionSpec("output", "str", "output file path, without extension: writes <output>.bin and <output>.vec",
               api=False),
    OptionSpec("verbose", "int", "verbosity level (2 shows the progress line)"),
    OptionSpec("minCount", "int", "minimal number of word occurrences"),
    OptionSpec("minCountLabel", "int", "minimal number of label occurrences (sent2vec: alias of -minCountTarget)"),
    OptionSpec("minCountTarget", "int", "minimal number of occurrences of a target word", _S2V),
    OptionSpec("wordNgrams", "int", "max length of word n-grams"),
    OptionSpec("bucket", "int", "number of buckets"),
    OptionSpec("minn", "int", "min length of char n-grams"),
    OptionSpec("maxn", "int", "max length of char n-grams"),
    OptionSpec("t", "float", "sampling threshold"),
    OptionSpec("label", "str", "labels prefix"),
    OptionSpec("lr", "float", "learning rate"),
    OptionSpec("lrUpdateRate", "int", "change the rate of updates for the learning rate"),
    OptionSpec("dim", "int", "size of word vectors"),
    OptionSpec("ws", "int", "size of the context window"),
    OptionSpec("epoch", "int", "number of epochs"),
    OptionSpec("neg", "int", "number of negatives sampled"),
    OptionSpec("loss", "str", "loss function {ns, hs, softmax, ova}"),
    OptionSpec("thread", "int", "number of threads (set to 1 to get reproducible results)"),
    OptionSpec("pretrainedVectors", "str", "pretrained word vectors (.vec) for supervised learning"),
    OptionSpec("saveOutput", "flag", "also write the output vectors to <output>.output", api=False),
    OptionSpec("seed", "uint64", "random generator seed (with -thread 1, runs are reproducible)"),
    OptionSpec("dropoutK", "int", "number of word n-grams dropped per sentence", _S2V),
    OptionSpec("autotuneValidationFile", "str", "validation file to be used for evaluation", _SUP,
               "autotune-validation"),
    OptionSpec("autotuneMetric", "str", "metric objective {f1, f1:labelname, precisionAtRecall:X, ...}", _SUP,
               "autotune-metric"),
    OptionSpec("autotunePredictions", "int", "number of predictions used for evaluation", _SUP,
               "autotune-predictions"),
    OptionSpec("autotuneDuration", "int", "maximum duration in seconds", _SUP, "autotune-duration"),
    OptionSpec("autotuneModelSize", "str", "constraint model file size, e.g. 2M (empty: do not quantize)", _SUP,
               "autotune-modelsize"),
)


def training_options(kind: str) -> list[OptionSpec]:
    """The options of training verb ``kind``, in help order."""
    return [s for s in _SPECS if kind in s.kinds]


def training_defaults(kind: str) -> dict[str, Any]:
    """The training API's defaults for ``kind`` (by API name), as ``sentvec help <kind>`` shows them.

    The only place that reads the library's default tables (``sentvec.train``); the option table
    of the core replaces it.
    """
    from .. import train as t

    if kind == "supervised":
        d = dict(t._SUPERVISED_DEFAULTS)
    else:
        d = dict(t._UNSUPERVISED_DEFAULTS)
        d.update(t.MODEL_DEFAULTS.get(kind, {}))
        d.update(t.MODEL_EXTRA_OPTIONS.get(kind, {}))
    if d.get("thread") is None:
        d["thread"] = "cpu count - 1"
    d["verbose"] = "2 when stderr is a terminal, else 0"
    return d
