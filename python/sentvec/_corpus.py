"""Training input from Python data: lines, (text, labels) pairs and file objects become one
in-memory corpus in C++ (``_core.Corpus``: a byte buffer of lines that training reads exactly as
it reads a file of the same bytes), so a model trained on them equals, with the same seed and
``thread=1``, the model trained on that file.
"""

from __future__ import annotations

import os
from typing import Any

from . import _core

__all__ = ["memory_corpus", "training_input"]

_CHUNK = 1 << 20


def memory_corpus(data: Any, *, pairs: bool = False, label: str = "__label__") -> _core.Corpus:
    """Copy training data into an in-memory corpus (what ``train_*`` do with non-path input).

    Parameters
    ----------
    data : iterable of str, iterator, or file object
        One line per element (a newline is added; an element holding ``'\\n'`` is a
        ``ValueError`` naming its index; ``bytes`` elements are taken as UTF-8 bytes). An
        iterator or generator is consumed once. A text or binary file object (anything with
        ``read``) is read to its end in chunks, its bytes kept as they are.
    pairs : bool
        Also accept ``(text, label)`` and ``(text, [labels])`` elements (supervised training):
        each becomes the line ``<label>... text`` with ``label`` prefixed to every label that
        does not already start with it.
    label : str
        The label prefix.

    Returns
    -------
    _core.Corpus
        Its ``nbytes`` is the sum of the encoded lines' lengths, newlines included: the memory
        it holds (no Python string is kept). Pass it as ``input`` to train on it again.
    """
    if isinstance(data, _core.Corpus):
        return data
    if isinstance(data, (str, bytes, os.PathLike)):
        raise TypeError("memory_corpus() takes lines or a file object, not a path; pass a path "
                        "to train_* directly")
    corpus = _core.Corpus()
    read = getattr(data, "read", None)
    if callable(read):
        while True:
            chunk = read(_CHUNK)
            if not chunk:
                break
            corpus.add_chunk(chunk)
    else:
        try:
            it = iter(data)
        except TypeError:
            raise TypeError(
                "input must be a path (str or os.PathLike), a file object or an iterable of str "
                f"lines{' or (text, label) pairs' if pairs else ''}, not {type(data).__name__}"
            ) from None
        corpus.add_lines(it, label if pairs else None)
    corpus.shrink()
    return corpus


def training_input(data: Any, supervised: bool, label: str) -> str | _core.Corpus:
    """A path (str) for str/bytes/os.PathLike input, else the in-memory corpus of ``data``."""
    if isinstance(data, (str, bytes, os.PathLike)):
        p = os.fspath(data)
        return os.fsdecode(p) if isinstance(p, bytes) else p
    return memory_corpus(data, pairs=supervised, label=label)
