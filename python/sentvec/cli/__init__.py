"""The ``sentvec`` command line: fastText's verbs and flags over the public Python API.

Every verb calls ``sentvec.load_model``, a ``Model`` method or ``sentvec.train_*``, so the command
line and the library share one code path. Results go to standard output in the official fastText
CLI's formats; errors go to standard error as one line, with exit status 1 for a failed command
(missing file, bad model, bad option value) and 2 for a usage error (unknown verb or flag, missing
argument). ``SENTVEC_DEBUG=1`` adds the Python traceback to an error.

Layout: ``parsing`` (verbs, argparse, help), ``options`` (the training options), ``streams``
(input and output), ``common`` (shared flags, loading), then one module per group of verbs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import sentvec

# The verb modules register their verbs in parsing.VERBS when imported.
from . import (
    classify,  # noqa: F401  (test, test-label, predict, predict-prob)
    demo,  # noqa: F401
    files,  # noqa: F401  (dump, embed, convert)
    quantize,  # noqa: F401
    serve,  # noqa: F401  (the HTTP service, with the sentvec[serve] extra)
    train,  # noqa: F401  (supervised, skipgram, cbow, sent2vec)
    vectors,  # noqa: F401  (print-*-vectors, print-ngrams, nn, analogies)
)
from .errors import PROG, CommandError, UsageError, describe
from .parsing import VERBS, help_text, parse_args
from .streams import stdout_bytes

__all__ = ["main", "UsageError", "CommandError"]

_HELP_FLAGS = ("-h", "-help", "--help")


def _write_stdout(text: str) -> None:
    out = stdout_bytes()
    out.write(text.encode())
    out.flush()


def _version() -> str:
    from .. import __version__

    return f"{PROG} {__version__}"


def _run(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write(help_text())
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd in ("help", *_HELP_FLAGS):
        if rest and rest[0] not in VERBS:
            raise UsageError(f"unknown command {rest[0]!r}")
        _write_stdout(help_text(VERBS[rest[0]] if rest else None))
        return 0
    if cmd in ("version", "-version", "--version"):
        _write_stdout(_version() + "\n")
        return 0
    v = VERBS.get(cmd)
    if v is None:
        raise UsageError(f"unknown command {cmd!r} (see '{PROG} help')")
    if any(a in _HELP_FLAGS for a in rest):
        _write_stdout(help_text(v))
        return 0
    pos, opts = parse_args(v, rest)
    return v.run(pos, opts)


def _quiet_broken_pipe() -> int:
    # The reader went away (e.g. `| head`): stop quietly, as a C program killed by SIGPIPE would.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return 141


def _error(text: str) -> None:
    if sys.stderr is not None:
        sys.stderr.write(f"{PROG}: {text}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 1 error, 2 usage error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = bool(os.environ.get("SENTVEC_DEBUG"))
    try:
        return _run(args)
    except UsageError as e:
        _error(f"usage error: {describe(e)}")
        return 2
    except KeyboardInterrupt:
        if sys.stderr is not None:
            sys.stderr.write("\n")
        _error("interrupted")
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (CommandError, OSError, ValueError, KeyError, MemoryError, IndexError, sentvec.ThreadError) as e:
        if debug:
            import traceback

            traceback.print_exc()
        _error(f"error: {describe(e)}")
        return 1
    except Exception as e:  # an internal error: still one line unless debugging
        if debug:
            raise
        _error(f"error: {type(e).__name__}: {describe(e)} (internal error; SENTVEC_DEBUG=1 shows the traceback)")
        return 1
