"""Training verbs: supervised, skipgram, cbow, sent2vec (with fastText's flags, autotune included)."""

from __future__ import annotations

import os
import sys
from typing import Any

import sentvec

from .common import COMMON_OPTS, progress_wanted
from .errors import CommandError, UsageError
from .options import KINDS, training_defaults, training_options
from .parsing import VERBS, Opt, Verb
from .streams import spool_stdin

_SUMMARIES = {
    "supervised": "train a supervised classifier",
    "skipgram": "train a skipgram model",
    "cbow": "train a cbow model",
    "sent2vec": "train a sent2vec sentence-embedding model",
}
_TRAIN_HELP = "fastText options, e.g. -dim 100 -epoch 5 -lr 0.05 -thread 2"


def _verbosity(opts: dict[str, Any], show: bool) -> None:
    """-verbose as the API takes it: 2 draws the progress line, which follows -progress/-no-progress."""
    opts.pop("progress", None)
    opts.pop("no-progress", None)
    opts["verbose"] = max(opts.get("verbose", 2), 2) if show else min(opts.get("verbose", 0), 1)


def _train(kind: str, inp: str, opts: dict[str, Any]) -> sentvec.Model:
    spooled = None
    if inp == "-":
        spooled = inp = spool_stdin()
    try:
        if kind == "supervised":
            return sentvec.train_supervised(inp, **opts)
        return sentvec.train_unsupervised(inp, model=kind, **opts)
    finally:
        if spooled:
            os.unlink(spooled)


def _report_autotune(model: sentvec.Model) -> None:
    """Say which options autotune chose (the model carries them when it was autotuned)."""
    result = getattr(model, "autotune_result", None)
    if not result:
        return
    items = result.items() if isinstance(result, dict) else [("", result)]
    shown = " ".join(f"-{k} {v}".strip() if k else str(v) for k, v in items)
    print(f"autotune: best options: {shown}", file=sys.stderr)


def train_command(kind: str, pos: list[str], opts: dict[str, Any]) -> int:
    if "input" not in opts:
        raise UsageError(f"'{kind}' needs -input <path>")
    if "output" not in opts:
        raise UsageError(f"'{kind}' needs -output <path> (the model is saved to <output>.bin and <output>.vec)")
    show = progress_wanted(opts)
    save_output = bool(opts.pop("saveOutput", False))
    output, inp = opts.pop("output"), opts.pop("input")
    _verbosity(opts, show)
    if opts.get("loss") == "one-vs-all":  # the name fastText's `dump args` prints
        opts["loss"] = "ova"
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        raise CommandError(f"cannot write {output}.bin: folder {out_dir} does not exist")
    model = _train(kind, inp, opts)
    _report_autotune(model)
    tuned = getattr(model, "autotune_result", None) or {}
    if tuned.get("quantized"):  # autotune quantized it to -autotune-modelsize: fastText writes .ftz only
        model.save_model(output + ".ftz")
        written = [output + ".ftz"]
    else:
        model.save_model(output + ".bin")
        model.save_vectors(output + ".vec")
        written = [output + ".bin", output + ".vec"]
    if save_output:
        model.save_vectors(output + ".output", which="output")
        written.append(output + ".output")
    if show:
        print(f"saved {', '.join(written)}", file=sys.stderr)
    return 0


def _register(kind: str) -> None:
    options = {s.cli_name: Opt(s.kind, s.help, s.name) for s in training_options(kind)}
    options.update(COMMON_OPTS)

    def run(pos: list[str], opts: dict[str, Any]) -> int:
        return train_command(kind, pos, opts)

    VERBS[kind] = Verb(kind, _SUMMARIES[kind], [], options, run, _TRAIN_HELP, lambda: training_defaults(kind))


for _kind in KINDS:
    _register(_kind)
