"""Options shared by many verbs (-mmap, -thread, -progress) and loading the model they name."""

from __future__ import annotations

import sys
from typing import Any

import sentvec

from .errors import UsageError
from .parsing import Opt

COMMON_OPTS: dict[str, Opt] = {
    "progress": Opt("flag", "show the progress line even when standard error is not a terminal"),
    "no-progress": Opt("flag", "never show the progress line"),
}
MODEL_OPTS: dict[str, Opt] = {
    "mmap": Opt("flag", "map the model file instead of reading it into memory"),
}
THREAD_OPT: dict[str, Opt] = {
    "thread": Opt("int", "number of threads (default: all cores)"),
    "verbose": Opt("int", "verbosity level (2 shows the progress line)"),
}


def progress_wanted(opts: dict[str, Any]) -> bool:
    """On a terminal by default; ``-progress``/``-verbose 2`` force it, ``-no-progress``/``-verbose <2`` stop it."""
    if opts.get("no-progress"):
        return False
    if opts.get("progress"):
        return True
    if "verbose" in opts:
        return opts["verbose"] >= 2
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def threads(opts: dict[str, Any]) -> int | None:
    t = opts.get("thread")
    if t is not None and t < 1:
        raise UsageError(f"-thread must be >= 1 (got {t})")
    return t


def load(path: str, opts: dict[str, Any]) -> sentvec.Model:
    if path == "-":
        raise UsageError("the model must be a file, not standard input")
    return sentvec.load_model(path, mmap=bool(opts.get("mmap")))
