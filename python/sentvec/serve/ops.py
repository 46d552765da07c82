"""The service's operations: a validated JSON body and a model in, a JSON-ready dict out.

Each op takes a single item (``text`` / ``word``) or a batch (``texts`` / ``words``); a batch is
answered with one result per item, computed by the model's batch call in C++. Input mistakes
raise ``ApiError`` with status 400 (or 413 for too long a batch) and a message for the client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

ON_NEWLINE = ("error", "join", "split")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _fields(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, f"the request body must be a JSON object, not {type(body).__name__}")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return body


def _items(body: dict, one: str, many: str, max_batch: int) -> tuple[list[str], bool]:
    """The strings of ``one`` (single) or ``many`` (batch): (items, is_batch)."""
    if (one in body) == (many in body):
        raise ApiError(400, f"give exactly one of {one!r} (a string) or {many!r} (a list of strings)")
    if one in body:
        items, batch = [body[one]], False
    else:
        items, batch = body[many], True
        if not isinstance(items, list):
            raise ApiError(400, f"{many!r} must be a list of strings, not {type(items).__name__}")
        if len(items) > max_batch:
            raise ApiError(413, f"{many!r} has {len(items)} items; at most {max_batch} per request")
    for i, s in enumerate(items):
        if not isinstance(s, str):
            where = f"{many}[{i}]" if batch else one
            raise ApiError(400, f"{where!r} must be a string, not {type(s).__name__}")
    return items, batch


def _int(body: dict, name: str, default: int, lo: int, hi: int) -> int:
    v = body.get(name, default)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ApiError(400, f"{name!r} must be an integer in [{lo}, {hi}] (got {v!r})")
    return v


def _threshold(body: dict) -> float:
    v = body.get("threshold", 0.0)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
        raise ApiError(400, f"'threshold' must be a number in [0, 1] (got {v!r})")
    return float(v)


def _on_newline(body: dict) -> str:
    v = body.get("on_newline", "error")
    if v not in ON_NEWLINE:
        raise ApiError(400, f"'on_newline' must be one of {', '.join(ON_NEWLINE)} (got {v!r})")
    return v


def _rows(a: np.ndarray) -> list[list[float]]:
    return np.asarray(a, dtype=np.float32).tolist()


def predict(model, body: Any, max_batch: int) -> dict[str, Any]:
    body = _fields(body, {"text", "texts", "k", "threshold", "on_newline"})
    texts, batch = _items(body, "text", "texts", max_batch)
    k = _int(body, "k", 1, 1, 1 << 20)
    threshold, on_newline = _threshold(body), _on_newline(body)
    kw = dict(k=k, threshold=threshold, on_unicode_error="replace", threads=1, on_newline=on_newline)
    if not batch:  # the single form, so that errors name 'text'
        ls, ps = model.predict(texts[0], **kw)
        return {"labels": list(ls), "probabilities": [float(p) for p in ps]}
    labels, probs = model.predict(texts, **kw)
    return {"predictions": [{"labels": list(ls), "probabilities": [float(p) for p in ps]}
                            for ls, ps in zip(labels, probs)]}


def sentence_vectors(model, body: Any, max_batch: int) -> dict[str, Any]:
    body = _fields(body, {"text", "texts", "on_newline"})
    texts, batch = _items(body, "text", "texts", max_batch)
    vecs = _rows(model.embed_sentences(texts, threads=1, on_newline=_on_newline(body)))
    return {"vectors": vecs} if batch else {"vector": vecs[0]}


def word_vectors(model, body: Any, max_batch: int) -> dict[str, Any]:
    body = _fields(body, {"word", "words"})
    words, batch = _items(body, "word", "words", max_batch)
    vecs = _rows(model.get_word_vectors(words, threads=1))
    return {"vectors": vecs} if batch else {"vector": vecs[0]}


def neighbors(model, body: Any, max_batch: int) -> dict[str, Any]:
    body = _fields(body, {"word", "words", "k"})
    words, batch = _items(body, "word", "words", max_batch)
    k = _int(body, "k", 10, 1, 10_000)
    out = [[{"word": w, "score": float(s)} for s, w in model.get_nearest_neighbors(word, k, "replace")]
           for word in words]
    return {"neighbors": out} if batch else {"neighbors": out[0]}


OPS: dict[str, Callable[[Any, Any, int], dict[str, Any]]] = {
    "predict": predict,
    "sentence-vectors": sentence_vectors,
    "word-vectors": word_vectors,
    "neighbors": neighbors,
}


def batch_size(op: str, body: Any) -> int:
    """Items an op body asks for (the /v1/batch limit counts them across sub-requests)."""
    if not isinstance(body, dict):
        return 1
    many = body.get("texts" if op in ("predict", "sentence-vectors") else "words")
    return len(many) if isinstance(many, list) else 1
