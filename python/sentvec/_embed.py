"""Streaming a text file to a ``.npy`` of sentence vectors (``Model.embed_file``, ``sentvec embed``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Callable

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


def _line_chunks(src, chunk_bytes: int, read: list[int]):
    """``src``'s bytes in pieces of whole lines, about ``chunk_bytes`` each (one very long line is
    kept whole, its pieces joined once); ``read[0]`` counts the bytes read so far."""
    pending: list[bytes] = []
    while True:
        block = src.read(chunk_bytes)
        if not block:
            break
        read[0] += len(block)
        cut = block.rfind(b"\n")
        if cut < 0:  # no line ends in this block: keep reading
            pending.append(block)
            continue
        head = block[: cut + 1]
        yield b"".join(pending) + head if pending else head
        pending = [block[cut + 1 :]] if cut + 1 < len(block) else []
    if pending:  # last line without a newline
        yield b"".join(pending)


def embed_file(core, in_path: str, out_path: str, threads: int, chunk_bytes: int,
               progress: Callable[[int, int], None] | None = None) -> tuple[int, bool]:
    """Write one float32 row per line of ``in_path`` into the ``.npy`` file ``out_path``.

    The file is read ``chunk_bytes`` at a time (cut at the last newline); each chunk is split into
    lines and embedded in C++ on ``threads`` threads without the GIL, and its rows are appended
    through :func:`embed_batches` (the core's one atomic write path; a device or FIFO target gets
    its row count first, as the header cannot be rewritten). ``progress(rows, bytes_read)`` is
    called after each chunk. Returns (rows, written in place).
    """
    # A regular file only, as every text input (input_file.h); checked before the output exists.
    src_fd = _core.open_input(in_path, "file to embed")
    read = [0]
    with os.fdopen(src_fd, "rb") as src:
        return embed_batches(lambda data: _core.embed_buffer(core, data, threads),
                             _line_chunks(src, chunk_bytes, read), out_path, core.dim,
                             rows=lambda: count_lines(in_path),
                             progress=None if progress is None else (lambda n: progress(n, read[0])))


def embed_batches(embed: Callable[[Any], np.ndarray], batches: Iterable[Any], out_path: str,
                  dim: int, rows: Callable[[], int] | None = None,
                  progress: Callable[[int], None] | None = None) -> tuple[int, bool]:
    """Write ``embed(batch)`` for every batch (texts, or bytes of whole lines) into the ``.npy``
    file ``out_path``, through the core's one atomic write path (``_core.AtomicFile``): a
    temporary file renamed over ``out_path`` at the end (a failed or interrupted call leaves no
    partial output), or, for a device or FIFO target, the target itself, which needs ``rows()``
    (the row count, asked for only then: the header is written first and cannot be rewritten).
    ``progress(rows_so_far)`` is called after each batch. Returns (rows, written in place).
    """
    out = _core.AtomicFile(out_path)
    done = 0
    try:
        if out.in_place and rows is None:
            raise ValueError(f"{out_path} is a device or FIFO: writing a .npy there needs the row count "
                             "up front; write to a regular file instead")
        expected = rows() if out.in_place else None
        out.write(_npy_header(expected if out.in_place else 0, dim))
        for batch in batches:
            vecs = embed(batch)
            out.write(np.ascontiguousarray(vecs, dtype="<f4"))
            done += vecs.shape[0]
            if progress is not None:
                progress(done)
        if out.in_place and done != expected:
            raise ValueError(f"{out_path}: {done} rows embedded where {expected} were announced")
        if not out.in_place:
            out.seek(0)
            out.write(_npy_header(done, dim))
        out.commit()
    except BaseException:
        out.abort()
        raise
    return done, out.in_place
