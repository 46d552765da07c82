"""The two kinds of command-line failure and how an exception becomes one line of text."""

from __future__ import annotations

PROG = "sentvec"


class UsageError(Exception):
    """The command line itself is wrong: exit status 2."""


class CommandError(Exception):
    """The command could not be done (a user mistake other than usage): exit status 1."""


def describe(e: BaseException) -> str:
    """One line for ``e``: an OSError as 'path: reason', a KeyError without its quotes."""
    if isinstance(e, OSError) and e.strerror:
        fname = e.filename
        msg = f"{fname}: {e.strerror}" if fname is not None and str(fname) not in e.strerror else e.strerror
    elif isinstance(e, KeyError) and e.args:
        msg = str(e.args[0])
    else:
        msg = str(e) or type(e).__name__
    return " ".join(msg.split("\n")).strip()
