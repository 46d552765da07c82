"""sentvec's exception types.

Each is precise and is also the type official fastText raises in the same case, so code written
for fastText (``except ValueError``, ``except RuntimeError``) still catches it:

- ``FormatError`` (a ``ValueError``): the file is not a model; the message names the byte offset.
- ``FileNotFoundError``, ``IsADirectoryError``, ``NotADirectoryError``, ``PermissionError``: a file
  cannot be opened; subclasses of the built-in type of that name and of ``ValueError``
  (fastText: ``ValueError: ... cannot be opened for loading!``).
- ``DivergedError``: training met a NaN loss; a ``FloatingPointError`` and a ``RuntimeError``
  (fastText: ``RuntimeError: Encountered NaN.``).
- ``ThreadError`` (a ``RuntimeError``, as Python's ``threading`` raises): the system refused to
  start a thread (``ulimit -u``/``-v``, a pids cgroup); the message names the limit.
- ``UnknownOptionError``: an unknown training option; a ``TypeError`` (what Python and fastText
  raise for an unexpected keyword) and a ``ValueError`` (what sentvec raised before).
"""

from __future__ import annotations

from . import _core

FormatError = _core.FormatError
FileNotFoundError = _core.FileNotFoundError
IsADirectoryError = _core.IsADirectoryError
NotADirectoryError = _core.NotADirectoryError
PermissionError = _core.PermissionError
DivergedError = _core.DivergedError
UnknownOptionError = _core.UnknownOptionError
ThreadError = _core.ThreadError

__all__ = [
    "DivergedError", "FileNotFoundError", "FormatError", "IsADirectoryError", "NotADirectoryError",
    "PermissionError", "ThreadError", "UnknownOptionError",
]

