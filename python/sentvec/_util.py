"""Argument checks shared by the public API."""

from __future__ import annotations

import os
from typing import Any

_UNICODE_ERRORS = ("strict", "replace", "ignore", "backslashreplace", "surrogateescape")


def fspath(path: Any, what: str = "path") -> str:
    """Return a str path for str/bytes/os.PathLike, or raise TypeError naming the argument."""
    try:
        p = os.fspath(path)
    except TypeError:
        raise TypeError(f"{what} must be a str or os.PathLike, not {type(path).__name__}") from None
    if isinstance(p, bytes):
        p = os.fsdecode(p)
    return p


def check_errors(on_unicode_error: str) -> str:
    if on_unicode_error not in _UNICODE_ERRORS:
        raise ValueError(
            f"on_unicode_error must be one of {', '.join(_UNICODE_ERRORS)} (got {on_unicode_error!r})"
        )
    return on_unicode_error


def check_str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    return value


def check_int(value: Any, what: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int,)) and not hasattr(value, "__index__"):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise ValueError(f"{what} must be >= {minimum} (got {v})")
    if maximum is not None and v > maximum:
        raise ValueError(f"{what} must be <= {maximum} (got {v})")
    return v


def check_threads(threads: Any) -> int:
    # The core takes a C int: a larger count would fail in the binding with a message that
    # repeats every argument (the whole batch of words or lines).
    if threads is None:
        return 0
    return check_int(threads, "threads", 1, 2**31 - 1)
