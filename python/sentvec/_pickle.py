"""Pickling a ``Model`` cheaply: by file identity when it came from a file, by bytes otherwise.

A model loaded from a file pickles as (absolute path, size, mtime_ns, a checksum of the file's
first bytes, mmap): a few hundred bytes whatever the model's size, so it can be shipped to
Spark/Dask/Ray workers or ``multiprocessing`` children, which load (or map) the same file again.
Unpickling refuses a file that is missing or no longer the one that was pickled, because a
silently different model would give silently different answers. A model that exists only in
memory (trained, quantized, changed in place) pickles as its ``.bin``/``.ftz`` bytes, written by
the ordinary ``save_model`` path.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from typing import Any, NamedTuple

from . import _core

HEADER_BYTES = 1 << 16  # the checksum covers the file's first 64 KiB: header, args, dictionary start


class ModelFileChangedError(ValueError):
    """The file a model was pickled from has changed since: unpickling would give another model."""


class FileIdentity(NamedTuple):
    path: str
    size: int
    mtime_ns: int
    header_sha256: str
    mmap: bool


def file_identity(path: str, mmap: bool) -> FileIdentity:
    """The identity of the model file at ``path`` (made absolute, so another cwd finds it)."""
    path = os.path.abspath(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block here
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IsADirectoryError(21, "not a regular file", path) if stat.S_ISDIR(st.st_mode) \
                else OSError(22, "not a regular file", path)
        digest = hashlib.sha256(f.read(HEADER_BYTES)).hexdigest()
    return FileIdentity(path, st.st_size, st.st_mtime_ns, digest, bool(mmap))


def check_identity(expected: FileIdentity) -> None:
    """Raise if the file at ``expected.path`` is missing or is not the file that was pickled."""
    try:
        now = file_identity(expected.path, expected.mmap)
    except FileNotFoundError:
        raise FileNotFoundError(
            2, f"cannot unpickle the model: its file {expected.path} is missing (a model loaded from a "
               "file pickles as its path; the file must exist where it is unpickled)", expected.path
        ) from None
    changed = [
        f"{name} {getattr(expected, name)} -> {getattr(now, name)}"
        for name in ("size", "mtime_ns", "header_sha256")
        if getattr(expected, name) != getattr(now, name)
    ]
    if changed:
        raise ModelFileChangedError(
            f"cannot unpickle the model: {expected.path} changed since it was pickled ({'; '.join(changed)}); "
            "load the new file with sentvec.load_model, or pickle a model trained in memory"
        )


def model_bytes(core: _core.Model) -> bytes:
    """The model as its saved file's bytes (.bin, or .ftz when quantized), via ``save_model``."""
    with tempfile.TemporaryDirectory(prefix="sentvec-pickle-") as d:
        p = os.path.join(d, "model.bin")
        core.save_model(p)
        with open(p, "rb") as f:
            return f.read()


def stable_identity(path: str, mmap: bool, load) -> tuple[Any, FileIdentity | None]:
    """``load()`` and the identity of its file, or None when the file changed during the load."""
    before = _identity_or_none(path, mmap)
    core = load()  # the core's errors (missing file, FIFO, bad format) are the ones users see
    after = _identity_or_none(path, mmap) if before is not None else None
    return core, before if before is not None and before == after else None


def _identity_or_none(path: str, mmap: bool) -> FileIdentity | None:
    try:
        return file_identity(path, mmap)
    except OSError:
        return None


def pickle_state(model: Any) -> tuple[str, Any]:
    """What ``Model.__reduce__`` stores: ("file", identity) while the model is still its file's
    content, else ("bytes", the saved file)."""
    source = getattr(model, "_source", None)
    if source is not None:
        return "file", tuple(source)
    return "bytes", model_bytes(model._core)


def unpickle(kind: str, payload: Any, load_model: Any, wrap: Any) -> Any:
    """The model a ``pickle_state`` describes; ``load_model`` and ``wrap`` (``Model``) are passed
    in so that this module does not import ``sentvec.model``."""
    if kind == "bytes":
        return wrap(_core.load_model_bytes(payload, "<pickled model>", False))
    ident = FileIdentity(*payload)
    check_identity(ident)
    model = load_model(ident.path, mmap=ident.mmap)
    if model._source != ident:  # replaced between the check and the load
        check_identity(ident)
    return model
