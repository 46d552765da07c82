"""Word n-gram rows under each hashing scheme: ``sentvec.ngram_ids``.

The computation is the C++ enumerator that inference and training use (``hashing.h``), so what
this helper shows is exactly what a model does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from . import _core

SCHEMES = ("sentvec", "sent2vec", "fasttext")


def ngram_ids(
    tokens: Sequence[str | int],
    n: int,
    bucket: int,
    scheme: str = "sentvec",
    masked: Iterable[int] = (),
    keys: bool = False,
    arrays: bool = False,
) -> list[tuple[int, ...]] | tuple[np.ndarray, ...]:
    """Bucket rows of every word n-gram of length 2..n of a token list.

    Parameters
    ----------
    tokens : sequence of str, or of int
        The tokens of one line. ``str`` for the ``sentvec`` and ``fasttext`` schemes (they hash
        the token's UTF-8 bytes); integer word ids for ``sent2vec`` (which hashes ids).
    n : int
        Longest n-gram (a model's ``wordNgrams``); n-grams of length 2..n are listed.
    bucket : int
        Number of n-gram rows. In a model, the input-matrix row is ``nwords + row``.
    scheme : {"sentvec", "sent2vec", "fasttext"}
        ``sentvec``: 64-bit keys with no structural collisions (new sent2vec models).
        ``sent2vec``: sent2vec's polynomial over word ids (models written by sent2vec).
        ``fasttext``: fastText's polynomial over 32-bit token hashes (supervised models).
    masked : iterable of int
        Positions treated as a training target is treated by the scheme: ``sent2vec`` writes its
        placeholder id 0 over them (so spans that start with masked ids collide with shorter
        spans); ``sentvec`` lists no n-gram that touches them.
    keys : bool
        Also return each n-gram's 64-bit key (the row is ``key % bucket``), so that collisions
        of the keys themselves can be counted.
    arrays : bool
        Return numpy arrays ``(start, end, row[, key])`` instead of a list of tuples (fast for
        millions of n-grams).

    Returns
    -------
    list of tuple
        ``(start, end, row)`` (``(start, end, row, key)`` with ``keys=True``) per n-gram, ordered
        by start then length; ``tokens[start:end]`` is the n-gram.

    Examples
    --------
    >>> import sentvec
    >>> rows = {(s, e): r for s, e, r in
    ...         sentvec.ngram_ids([5, 9, 4, 7, 3, 8], 6, 2_000_000, "sent2vec", masked=[0, 1])}
    >>> rows[0, 6] == rows[2, 6]    # sent2vec's collision
    True
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(map(repr, SCHEMES))} (got {scheme!r})")
    if isinstance(tokens, (str, bytes)):
        raise TypeError("tokens must be a sequence of tokens, not a single string (split it first)")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, not {type(n).__name__}")
    if isinstance(bucket, bool) or not isinstance(bucket, (int, np.integer)):
        raise TypeError(f"bucket must be an int, not {type(bucket).__name__}")
    toks = list(tokens)
    if scheme == "sent2vec":
        toks = [int(t) if isinstance(t, np.integer) else t for t in toks]
    mask = sorted({int(m) for m in masked})
    start, end, row, key = _core.ngram_arrays(toks, int(n), int(bucket), scheme, mask)
    if arrays:
        return (start, end, row, key) if keys else (start, end, row)
    if keys:
        return list(zip(start.tolist(), end.tolist(), row.tolist(), key.tolist()))
    return list(zip(start.tolist(), end.tolist(), row.tolist()))


def token_key(token: str) -> int:
    """The 64-bit key of a token under the ``sentvec`` scheme (a hash of its UTF-8 bytes)."""
    if not isinstance(token, str):
        raise TypeError(f"token must be a str, not {type(token).__name__}")
    return _core.token_key64(token)
