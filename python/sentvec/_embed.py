"""Streaming a text file to a ``.npy`` of sentence vectors (``Model.embed_file``, ``sentvec embed``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Callable

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


def count_lines(path: str) -> int:
    """Rows ``embed_file`` writes for ``path``: its lines, the last one with or without a newline."""
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 22)
            if not block:
                break
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def embed_file(core, in_path: str, out_path: str, threads: int, chunk_bytes: int,
               progress: Callable[[int, int], None] | None = None) -> tuple[int, bool]:
    """Write one float32 row per line of ``in_path`` into the ``.npy`` file ``out_path``.

    The file is read ``chunk_bytes`` at a time (cut at the last newline); each chunk is split into
    lines and embedded in C++ on ``threads`` threads without the GIL, and its rows are appended.
    The output goes through the core's one atomic write path (``_core.AtomicFile``): a temporary
    file renamed over ``out_path`` at the end (a failed or interrupted call leaves no partial
    output), the same file mode rule as every other writer, and a device or FIFO target written in
    place (its row count is then counted first, as the header cannot be rewritten).
    ``progress(rows, bytes_read)`` is called after each chunk. Returns (rows, written in place).
    """
    dim = core.dim
    # A regular file only, as every text input (input_file.h); checked before the output exists.
    src_fd = _core.open_input(in_path, "file to embed")
    try:
        out = _core.AtomicFile(out_path)
    except BaseException:
        os.close(src_fd)
        raise
    rows = 0
    try:
        with os.fdopen(src_fd, "rb") as src:
            out.write(_npy_header(count_lines(in_path) if out.in_place else 0, dim))
            pending: list = []  # pieces of a line that has not ended yet (kept linear in size)
            done = 0

            def emit(data: bytes) -> None:
                nonlocal rows
                vecs = _core.embed_buffer(core, data, threads)
                out.write(np.ascontiguousarray(vecs, dtype="<f4"))
                rows += vecs.shape[0]
                if progress is not None:
                    progress(rows, done)

            while True:
                block = src.read(chunk_bytes)
                if not block:
                    break
                done += len(block)
                cut = block.rfind(b"\n")
                if cut < 0:  # no line ends in this block: keep reading (one very long line)
                    pending.append(block)
                    continue
                head = block[: cut + 1]
                emit(b"".join(pending) + head if pending else head)
                pending = [block[cut + 1 :]] if cut + 1 < len(block) else []
            if pending:  # last line without a newline
                emit(b"".join(pending))
        if not out.in_place:
            out.seek(0)
            out.write(_npy_header(rows, dim))
        out.commit()
    except BaseException:
        out.abort()
        raise
    return rows, out.in_place


def embed_batches(embed: Callable[[list[str]], np.ndarray], batches: Iterable[list[str]], out_path: str,
                  dim: int, rows: int | None = None,
                  progress: Callable[[int], None] | None = None) -> tuple[int, bool]:
    """Write ``embed(batch)`` for every batch of texts into the ``.npy`` file ``out_path``.

    The same one atomic write path as ``embed_file`` (``_core.AtomicFile``). A device or FIFO
    target is written in place and needs ``rows`` (the header is written first and cannot be
    rewritten). Returns (rows, written in place).
    """
    out = _core.AtomicFile(out_path)
    done = 0
    try:
        if out.in_place and rows is None:
            raise ValueError(f"{out_path} is a device or FIFO: writing a .npy there needs the row count "
                             "up front; write to a regular file instead")
        out.write(_npy_header(rows if out.in_place else 0, dim))
        for batch in batches:
            vecs = embed(batch)
            out.write(np.ascontiguousarray(vecs, dtype="<f4"))
            done += vecs.shape[0]
            if progress is not None:
                progress(done)
        if out.in_place and done != rows:
            raise ValueError(f"{out_path}: {done} rows embedded where {rows} were announced")
        if not out.in_place:
            out.seek(0)
            out.write(_npy_header(done, dim))
        out.commit()
    except BaseException:
        out.abort()
        raise
    return done, out.in_place
