"""Verbs, their flags and their help; flags are parsed by ``argparse``.

fastText's flags are single-dash long names (``-dim 100``, ``-saveOutput``); argparse takes them as
they are once abbreviations are off. Positionals are collected by argparse and their number checked
here, so that every usage error reads the same (``'predict' needs <test-data>: usage ...``) and
is raised as ``UsageError`` (exit status 2) instead of argparse's multi-line exit.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import PROG, UsageError

INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class Opt:
    kind: str  # "int" (32-bit, as fastText's), "uint64", "float", "str" or "flag"
    help: str
    dest: str = ""  # the name the verb receives (the API's option name); the flag's name if empty


@dataclass
class Verb:
    name: str
    summary: str
    positionals: list[str]  # names; a trailing '?' marks an optional one, '...' a last one that repeats
    options: dict[str, Opt] = field(default_factory=dict)
    run: Callable[[list[str], dict[str, Any]], int] | None = None
    usage_extra: str = ""
    defaults: Callable[[], dict[str, Any]] | None = None  # option defaults shown by help, by dest

    def usage(self) -> str:
        pos = " ".join(f"[{p[:-1]}]" if p.endswith("?") else f"<{p}>" for p in self.positionals)
        return f"{PROG} {self.name} {pos}".rstrip() + (" [options]" if self.options else "")


VERBS: dict[str, Verb] = {}
#: The order of ``sentvec help``: fastText's, then sentvec's own verbs.
HELP_ORDER = ("supervised", "quantize", "test", "test-label", "predict", "predict-prob", "skipgram", "cbow",
              "sent2vec", "print-word-vectors", "print-sentence-vectors", "print-ngrams", "nn", "analogies", "dump",
              "embed", "convert", "demo", "serve")


def verb(name: str, summary: str, positionals: Sequence[str], options: dict[str, Opt] | None = None,
         usage_extra: str = ""):
    """Register the decorated ``fn(positionals, options) -> exit status`` as verb ``name``."""

    def deco(fn):
        VERBS[name] = Verb(name, summary, list(positionals), dict(options or {}), fn, usage_extra)
        return fn

    return deco


# ---------------------------------------------------------------------------------------- values
def to_int(text: str, what: str, minimum: int = -INT32_MAX - 1, maximum: int = INT32_MAX) -> int:
    """``text`` as an int in [minimum, maximum]; fastText's integer options are 32-bit."""
    try:
        n = int(text)
    except ValueError:
        raise UsageError(f"{what} expects an integer (got {_short(text)})") from None
    if n < minimum:
        raise UsageError(f"{what} must be >= {minimum} (got {n})")
    if n > maximum:
        raise UsageError(f"{what} must be <= {maximum} (got {n})")
    return n


def to_float(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{what} expects a number (got {_short(text)})") from None


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _converter(flag: str, kind: str) -> Callable[[str], Any]:
    if kind == "int":
        return lambda s: to_int(s, flag)
    if kind == "uint64":
        return lambda s: to_int(s, flag, 0, 2**64 - 1)
    if kind == "float":
        return lambda s: to_float(s, flag)
    return str


def int_arg(value: str | None, name: str, default: int, minimum: int = 1) -> int:
    """A positional integer such as <k>."""
    if value is None:
        return default
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"<{name}> must be an integer (got {_short(value)})") from None
    if n < minimum:
        raise UsageError(f"<{name}> must be >= {minimum} (got {n})")
    if n > INT32_MAX:
        raise UsageError(f"<{name}> must be <= {INT32_MAX} (got {n})")
    return n


def float_arg(value: str | None, name: str, default: float) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"<{name}> must be a number (got {_short(value)})") from None


# ---------------------------------------------------------------------------------------- parsing
class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit; we raise one line
        raise UsageError(_translate(message))


_ARGPARSE_MESSAGES = [
    (re.compile(r"argument (-\S+): expected one argument"), r"option \1 needs a value"),
    (re.compile(r"argument (-\S+): ignored explicit argument .*"), r"option \1 takes no value"),
    (re.compile(r"ambiguous option: (\S+?)(=\S*)? could match .*"), r"unknown option \1"),
]


def _translate(message: str) -> str:
    for pattern, repl in _ARGPARSE_MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(repl, message)
    return message


def _parser(v: Verb) -> argparse.ArgumentParser:
    p = _Parser(prog=f"{PROG} {v.name}", usage=v.usage(), add_help=False, allow_abbrev=False)
    for name, o in v.options.items():
        dest = o.dest or name
        if o.kind == "flag":
            p.add_argument("-" + name, dest=dest, action="store_true", default=argparse.SUPPRESS)
        else:
            p.add_argument("-" + name, dest=dest, type=_converter("-" + name, o.kind), default=argparse.SUPPRESS)
    p.add_argument("positionals", nargs="*")
    return p


def _looks_like_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


#: Flags other verbs take, with where to use them (a better message than "unknown option").
_ELSEWHERE = {
    "cutoff": "quantize", "retrain": "quantize", "qnorm": "quantize", "qout": "quantize", "dsub": "quantize",
    "autotune-validation": "supervised", "autotune-metric": "supervised", "autotune-predictions": "supervised",
    "autotune-duration": "supervised", "autotune-modelsize": "supervised",
}


def _unknown_option(v: Verb, arg: str) -> UsageError:
    name = arg.lstrip("-").partition("=")[0]
    home = _ELSEWHERE.get(name)
    if home == "quantize":
        return UsageError(f"{arg} is a quantization option: use '{PROG} quantize -output <model>'")
    if home is not None:
        return UsageError(f"{arg} is an autotune option: it applies to '{PROG} supervised' only")
    return UsageError(f"unknown option {arg} for '{v.name}' (see '{PROG} help {v.name}')")


def parse_args(v: Verb, args: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """Split ``args`` into positionals and ``{dest: value}`` (only the flags given) for verb ``v``."""
    ns, extras = _parser(v).parse_known_intermixed_args(list(args))
    opts = vars(ns)
    pos: list[str] = list(opts.pop("positionals", None) or [])
    for a in extras:
        if a.startswith("-") and a != "-" and not _looks_like_number(a):
            raise _unknown_option(v, a)
        pos.append(a)  # a negative number argparse did not take as a positional (-1e-3)
    required = [p for p in v.positionals if not p.endswith("?")]
    if len(pos) < len(required):
        raise UsageError(f"'{v.name}' needs <{required[len(pos)]}>: {v.usage()}")
    if len(pos) > len(v.positionals) and not (v.positionals and v.positionals[-1].endswith("...")):
        extra = " ".join(pos[len(v.positionals) :])
        raise UsageError(f"too many arguments for '{v.name}' ({_short(extra)}): {v.usage()}")
    return pos, opts


# ---------------------------------------------------------------------------------------- help
def help_text(v: Verb | None = None) -> str:
    if v is None:
        lines = [f"usage: {PROG} <command> <args>", "", "The commands supported by sentvec are:", ""]
        order = sorted(VERBS, key=lambda n: HELP_ORDER.index(n) if n in HELP_ORDER else len(HELP_ORDER))
        lines += [f"  {name:<24}{VERBS[name].summary}" for name in order]
        lines += [
            "",
            f"'{PROG} help <command>' describes a command; training commands take fastText's flags",
            f"(e.g. '{PROG} skipgram -input data.txt -output model -dim 100').",
        ]
        return "\n".join(lines) + "\n"
    lines = [f"usage: {v.usage()}", "", v.summary]
    if v.usage_extra:
        lines += ["", v.usage_extra]
    if v.options:
        defaults = v.defaults() if v.defaults else {}
        lines += ["", "options:"]
        for name, o in v.options.items():
            arg = "" if o.kind == "flag" else f" <{'int' if o.kind == 'uint64' else o.kind}>"
            shown = show_default(defaults.get(o.dest or name, "")) if o.kind != "flag" else ""
            lines.append(f"  -{name + arg:<30}{o.help}{f' [{shown}]' if shown else ''}")
    return "\n".join(lines) + "\n"


def show_default(value: Any) -> str:
    return "" if value is None else str(value)
