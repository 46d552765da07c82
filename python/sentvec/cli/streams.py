"""Reading the verbs' text input and writing their output.

Input is read in blocks and cut at the last record boundary (newline, or whitespace for words),
so memory stays bounded by the longest record: a record longer than the limit (256 MiB, or
``SENTVEC_MAX_LINE_BYTES``) stops the command with a clear error instead of growing without end
(``< /dev/zero``). Output is written as bytes so that words keep their exact bytes
(surrogateescape). A closed standard input or output is a user error, not an internal one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import IO

from .errors import CommandError

BLOCK = 1 << 20
DEFAULT_MAX_RECORD = 256 << 20
_WHITESPACE = (b" ", b"\n", b"\t", b"\r", b"\v", b"\f")  # what fastText's `cin >> word` splits on


def max_record_bytes() -> int:
    """The longest line (or word) a verb accepts."""
    value = os.environ.get("SENTVEC_MAX_LINE_BYTES", "")
    try:
        return max(int(value), BLOCK) if value else DEFAULT_MAX_RECORD
    except ValueError:
        raise CommandError(f"SENTVEC_MAX_LINE_BYTES must be an integer (got {value!r})") from None


def stdin_bytes() -> IO[bytes]:
    if sys.stdin is None:
        raise CommandError("standard input is closed; give a file name or redirect standard input")
    return sys.stdin.buffer


def stdout_bytes() -> IO[bytes]:
    if sys.stdout is None:
        raise CommandError("standard output is closed; redirect it to a file or a pipe")
    return sys.stdout.buffer


class Output:
    """Standard output as bytes (words keep their exact bytes via surrogateescape)."""

    def __init__(self, stream: IO[bytes] | None = None):
        self.stream = stream if stream is not None else stdout_bytes()

    def write(self, text: str) -> None:
        self.stream.write(text.encode("utf-8", "surrogateescape"))

    def flush(self) -> None:
        self.stream.flush()


def open_input(path: str) -> tuple[IO[bytes], int | None]:
    """A binary stream for ``path`` ('-' is standard input) and its size when known."""
    if path == "-":
        return stdin_bytes(), None
    f = open(path, "rb")
    try:
        size = os.fstat(f.fileno()).st_size
    except OSError:
        size = None
    return f, size


def close_input(f: IO[bytes]) -> None:
    if sys.stdin is None or f is not sys.stdin.buffer:
        f.close()


def input_name(f: IO[bytes]) -> str:
    name = getattr(f, "name", None)
    return name if isinstance(name, str) and not name.startswith("<") else "standard input"


def decode(raw: bytes) -> str:
    # The API takes str; bytes that are not UTF-8 become U+FFFD (they are OOV for any model).
    return raw.decode("utf-8", "replace")


def _last_newline(block: bytes) -> int:
    return block.rfind(b"\n")


def _last_space(block: bytes) -> int:
    return max(block.rfind(c) for c in _WHITESPACE)


def _read(f: IO[bytes]) -> bytes:
    # read1 returns what is available (a typed line on a terminal) instead of waiting for a full block
    read1 = getattr(f, "read1", None)
    return read1(BLOCK) if read1 is not None else f.read(BLOCK)


def complete_blocks(f: IO[bytes], last_cut: Callable[[bytes], int], what: str) -> Iterator[bytes]:
    """Yield ``f``'s bytes in pieces that end at a record boundary (``last_cut`` finds the last one).

    The last piece may lack the final separator. A record longer than ``max_record_bytes()``
    raises CommandError naming the input.
    """
    limit = max_record_bytes()
    pending: list[bytes] = []
    pending_len = 0
    while True:
        block = _read(f)
        if not block:
            if pending_len:
                yield b"".join(pending)
            return
        cut = last_cut(block)
        if cut < 0:
            pending.append(block)
            pending_len += len(block)
            if pending_len > limit:
                raise CommandError(
                    f"{input_name(f)}: a {what} longer than {limit >> 20} MiB (no separator found); "
                    "is this a text file? (SENTVEC_MAX_LINE_BYTES raises the limit)"
                )
            continue
        pending.append(block[: cut + 1])
        yield b"".join(pending)
        tail = block[cut + 1 :]
        pending, pending_len = ([tail], len(tail)) if tail else ([], 0)


def iter_line_batches(f: IO[bytes]) -> Iterator[tuple[list[str], int]]:
    """Yield (lines without their newline, bytes consumed), about a block at a time."""
    for raw in complete_blocks(f, _last_newline, "line"):
        lines = decode(raw).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        yield lines, len(raw)


def line_blocks(f: IO[bytes], hint: int) -> Iterator[bytes]:
    """Whole lines of ``f`` (bounded as ``complete_blocks``), at least ``hint`` bytes at a time but the last."""
    pieces: list[bytes] = []
    size = 0
    for raw in complete_blocks(f, _last_newline, "line"):
        pieces.append(raw)
        size += len(raw)
        if size >= hint:
            yield b"".join(pieces)
            pieces, size = [], 0
    if pieces:
        yield b"".join(pieces)


def iter_token_batches(f: IO[bytes]) -> Iterator[list[bytes]]:
    """Yield the whitespace-separated tokens of ``f``, a block at a time."""
    for raw in complete_blocks(f, _last_space, "word"):
        tokens = raw.split()
        if tokens:
            yield tokens


def read_query_line(f: IO[bytes]) -> bytes:
    """One line of an interactive query (b'' at the end), bounded like every other record."""
    limit = max_record_bytes()
    line = f.readline(limit + 1)
    if len(line) > limit:
        raise CommandError(f"{input_name(f)}: a line longer than {limit >> 20} MiB; is this a text file?")
    return line


def spool_stdin(suffix: str = ".txt") -> str:
    """Copy standard input to a temporary file (for commands that read their input more than once)."""
    src = stdin_bytes()
    fd, path = tempfile.mkstemp(prefix="sentvec-stdin-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in complete_blocks(src, _last_newline, "line"):
                out.write(piece)
    except BaseException:
        os.unlink(path)
        raise
    return path


def fmt_vector(values) -> str:
    """fastText's vector printing: each value like C's ``%.5g``, followed by one space."""
    vals = values.tolist()
    return ("%.5g " * len(vals)) % tuple(vals)
