"""Streaming a text file to a ``.npy`` of sentence vectors (``Model.embed_file``)."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from . import _core

_HEADER_LEN = 128  # fixed, so the final shape can be written over the placeholder in place


def _npy_header(rows: int, dim: int) -> bytes:
    d = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim}), }}"
    body = d.encode("latin1")
    pad = _HEADER_LEN - 10 - len(body) - 1
    if pad < 0:  # pragma: no cover - 20-digit row counts still fit
        raise ValueError("shape too large for the .npy header")
    hlen = _HEADER_LEN - 10
    return b"\x93NUMPY\x01\x00" + hlen.to_bytes(2, "little") + body + b" " * pad + b"\n"


def embed_file(core, in_path: str, out_path: str, threads: int, chunk_bytes: int) -> int:
    """Write one float32 row per line of ``in_path`` into the ``.npy`` file ``out_path``.

    The file is read ``chunk_bytes`` at a time (cut at the last newline); each chunk is split into
    lines and embedded in C++ on ``threads`` threads without the GIL, and its rows are appended.
    Written to a temporary file beside ``out_path`` and renamed over it at the end, so a failed or
    interrupted call leaves no partial output. Returns the number of rows.
    """
    dim = core.dim
    out_dir = os.path.dirname(os.path.abspath(out_path))
    if os.path.isdir(out_path):
        raise IsADirectoryError(21, "is a directory", out_path)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(out_path) + ".", suffix=".tmp", dir=out_dir)
    rows = 0
    try:
        with os.fdopen(fd, "wb") as out, open(in_path, "rb") as src:
            out.write(_npy_header(0, dim))
            pending: list = []  # pieces of a line that has not ended yet (kept linear in size)

            def emit(data: bytes) -> None:
                nonlocal rows
                vecs = _core.embed_buffer(core, data, threads)
                out.write(np.ascontiguousarray(vecs, dtype="<f4").tobytes())
                rows += vecs.shape[0]

            while True:
                block = src.read(chunk_bytes)
                if not block:
                    break
                cut = block.rfind(b"\n")
                if cut < 0:  # no line ends in this block: keep reading (one very long line)
                    pending.append(block)
                    continue
                head = block[: cut + 1]
                emit(b"".join(pending) + head if pending else head)
                pending = [block[cut + 1 :]] if cut + 1 < len(block) else []
            if pending:  # last line without a newline
                emit(b"".join(pending))
            out.flush()
            out.seek(0)
            out.write(_npy_header(rows, dim))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return rows


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022
