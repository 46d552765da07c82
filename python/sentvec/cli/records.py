"""What ``predict`` and ``embed`` read and write besides plain text lines.

Input: plain text (one document a line), or JSON lines (``-field NAME``, or a name ending in
``.jsonl``: the document is that field of each object), either of them compressed with gzip, xz
or zstd (recognised by their magic bytes, so any file name works; zstd needs the ``zstandard``
package). Everything streams a block at a time, with the record bound of :mod:`.streams`.
Output: fastText's text lines, or JSON lines (``-format jsonl``): the input object (for JSON-lines
input) with the result added under ``labels``/``probabilities`` or ``vector``.
"""

from __future__ import annotations

import gzip
import json
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from .errors import CommandError, UsageError
from .parsing import Opt
from .streams import complete_blocks, decode, input_name, open_input

RECORD_OPTS: dict[str, Opt] = {
    "field": Opt("str", "the input is JSON lines; the document is this field of each object (default for "
                        "*.jsonl: text)"),
    "format": Opt("str", "output format: text (fastText's) or jsonl"),
    "on-newline": Opt("str", "a newline inside a JSON document: error (default), join (one line) or split "
                             "(the mean over its lines)", dest="on_newline"),
}

_MAGIC = {b"\x1f\x8b": "gzip", b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}
_SUFFIXES = (".gz", ".xz", ".zst", ".zstd")


@dataclass
class Records:
    """An open input: batches of documents, and (JSON lines) their objects."""

    stream: IO[bytes]
    raw: IO[bytes]
    size: int | None  # bytes of the file on disk; None when unknown (stdin)
    field: str | None
    newline: str = "error"

    def batches(self) -> Iterator[tuple[list[str], list[dict[str, Any]] | None]]:
        """(documents, their JSON objects or None), about a block of input at a time."""
        line_no = 0
        for raw in complete_blocks(self.stream, lambda b: b.rfind(b"\n"), "line"):
            lines = decode(raw).split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if self.field is None:
                yield lines, None
                line_no += len(lines)
                continue
            objs, docs = [], []
            for line in lines:
                line_no += 1
                if not line.strip():
                    continue
                obj = self._parse(line, line_no)
                objs.append(obj)
                docs.append(obj[self.field])
            yield docs, objs

    def _parse(self, line: str, line_no: int) -> dict[str, Any]:
        where = f"{input_name(self.raw)} line {line_no}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise CommandError(f"{where}: not a JSON object ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict):
            raise CommandError(f"{where}: not a JSON object")
        if not isinstance(obj.get(self.field), str):
            got = "missing" if self.field not in obj else type(obj[self.field]).__name__
            raise CommandError(f"{where}: field {self.field!r} must be a string ({got})")
        if self.newline == "error" and "\n" in obj[self.field]:
            raise CommandError(f"{where}: the document has a newline; give -on-newline join (one line) or "
                               "split (the mean over its lines)")
        return obj

    def fraction(self) -> float | None:
        """How far through the file on disk (compressed bytes), when its size is known."""
        if not self.size:
            return None
        try:
            return min(1.0, self.raw.tell() / self.size)
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()
        from .streams import close_input

        close_input(self.raw)


def _decompressor(raw: IO[bytes], name: str) -> IO[bytes]:
    head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
    kind = next((k for magic, k in _MAGIC.items() if head.startswith(magic)), None)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    if kind == "zstd":
        try:
            import zstandard
        except ImportError:
            raise CommandError(f"{name} is zstd-compressed: install the 'zstandard' package to read it") from None
        return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return raw


def open_records(path: str, opts: dict[str, Any]) -> Records:
    """Open ``path`` ('-': standard input) as plain text or JSON lines, decompressing it if needed."""
    raw, size = open_input(path)
    try:
        stream = _decompressor(raw, path)
    except BaseException:
        from .streams import close_input

        close_input(raw)
        raise
    base = path
    for suffix in _SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    field = opts.get("field") or ("text" if base.endswith(".jsonl") else None)
    return Records(stream, raw, size, field, on_newline(opts))


def output_format(opts: dict[str, Any]) -> str:
    fmt = opts.get("format") or "text"
    if fmt not in ("text", "jsonl"):
        raise UsageError(f"-format must be text or jsonl (got {fmt!r})")
    return fmt


def on_newline(opts: dict[str, Any]) -> str:
    value = opts.get("on_newline") or "error"
    if value not in ("error", "join", "split"):
        raise UsageError(f"-on-newline must be error, join or split (got {value!r})")
    return value


def jsonl_line(obj: dict[str, Any] | None, **result: Any) -> str:
    """One output object: the input object (if any) with ``result`` added."""
    out = dict(obj) if obj is not None else {}
    out.update(result)
    return json.dumps(out, ensure_ascii=False) + "\n"
