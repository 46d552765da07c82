"""Classifier verbs: test, test-label, predict, predict-prob (``k = -1`` means every label)."""

from __future__ import annotations

import os
import tempfile

import sentvec

from .common import COMMON_OPTS, MODEL_OPTS, THREAD_OPT, load, progress_wanted, threads
from .errors import UsageError
from .parsing import INT32_MAX, float_arg, int_arg, verb
from .progress import Progress
from .records import RECORD_OPTS, jsonl_line, on_newline, open_records, output_format
from .streams import Output, close_input, line_blocks, open_input, spool_stdin

_CLASSIFY_OPTS = {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT}
_PREDICT_OPTS = {**_CLASSIFY_OPTS, **RECORD_OPTS}
_POSITIONALS = ["model", "test-data", "k?", "threshold?"]
_PREDICT_USAGE = ("<test-data> may be '-' (standard input), JSON lines (-field) and gzip/xz/zstd-compressed; "
                  "k defaults to 1 (-1: all labels), threshold to 0.0")


def k_and_threshold(pos: list[str]) -> tuple[int, float]:
    """<k> (1 by default; -1 as in fastText: every label) and <threshold> (0.0)."""
    k = int_arg(pos[2] if len(pos) > 2 else None, "k", 1, minimum=-INT32_MAX)
    if k < 1 and k != -1:
        raise UsageError(f"<k> must be >= 1, or -1 for every label (got {k})")
    return k, float_arg(pos[3] if len(pos) > 3 else None, "threshold", 0.0)


def api_k(model: sentvec.Model, k: int) -> int:
    # k = -1 asks for every label: as many predictions as the model has labels.
    return max(1, len(model.get_labels())) if k == -1 else k


def _test_in_chunks(model: sentvec.Model, path: str, k: int, threshold: float) -> tuple[int, float, float]:
    """``Model.test`` with a progress line: the file is tested in chunks and the counts summed.

    The counts (gold, predicted, correct) come from the model's core object ``f``, as fastText's
    own ``model._core.test``; ``Model.test`` returns only the ratios, which do not add up.
    """
    f, size = open_input(path)
    bar = Progress("test", "lines", enabled=True)
    n = gold = predicted = correct = done = 0
    fd, tmp = tempfile.mkstemp(prefix="sentvec-test-", suffix=".txt")
    os.close(fd)
    try:
        for raw in line_blocks(f, 4 << 20):
            with open(tmp, "wb") as chunk:
                chunk.write(raw)
            cn, (cg, cp, cc), _ = model._core.test(tmp, k, threshold)
            n, gold, predicted, correct = n + cn, gold + cg, predicted + cp, correct + cc
            done += len(raw)
            bar.update(n, done / size if size else None)
    finally:
        os.unlink(tmp)
        close_input(f)
    bar.close(n, 1.0 if size else None)
    return n, correct / predicted if predicted else float("nan"), correct / gold if gold else float("nan")


def _test(model: sentvec.Model, path: str, k: int, threshold: float, show: bool) -> tuple[int, float, float]:
    if show and model.args.get("model") == "supervised":
        return _test_in_chunks(model, path, k, threshold)
    if path == "-":
        tmp = spool_stdin()
        try:
            return model.test(tmp, k, threshold)
        finally:
            os.unlink(tmp)
    return model.test(path, k, threshold)


def _print_test(out: Output, n: int, p: float, r: float, k: int) -> None:
    out.write(f"N\t{n}\nP@{k}\t{p:.3g}\nR@{k}\t{r:.3g}\n")


@verb("test", "evaluate a supervised classifier", _POSITIONALS, _CLASSIFY_OPTS)
def cmd_test(pos, opts):
    k, th = k_and_threshold(pos)
    model = load(pos[0], opts)
    n, p, r = _test(model, pos[1], api_k(model, k), th, progress_wanted(opts))
    out = Output()
    _print_test(out, n, p, r, k)
    out.flush()
    return 0


def _metric(name: str, value: float) -> str:
    shown = f"{value:.6f}" if value == value and abs(value) != float("inf") else "--------"
    return f"{name} : {shown}  "


@verb("test-label", "per-label precision, recall and F1 of a supervised classifier", _POSITIONALS, _CLASSIFY_OPTS)
def cmd_test_label(pos, opts):
    k, th = k_and_threshold(pos)
    model = load(pos[0], opts)
    path, tmp = pos[1], None
    if path == "-":
        path = tmp = spool_stdin()
    try:
        per = model.test_label(path, api_k(model, k), th)
        n, p, r = model.test(path, api_k(model, k), th)
    finally:
        if tmp:
            os.unlink(tmp)
    out = Output()
    for label, m in per.items():
        metrics = _metric("F1-Score", m["f1score"]) + _metric("Precision", m["precision"])
        out.write(metrics + _metric("Recall", m["recall"]) + " " + label + "\n")
    _print_test(out, n, p, r, k)
    out.flush()
    return 0


def _predict_rows(labels, probs, objs, fmt: str, with_prob: bool):
    if fmt == "jsonl":
        for i, (ls, ps) in enumerate(zip(labels, probs)):
            result = {"labels": list(ls)}
            if with_prob:
                result["probabilities"] = [float(p) for p in ps]
            yield jsonl_line(objs[i] if objs is not None else None, **result)
    elif with_prob:
        for ls, ps in zip(labels, probs):
            yield " ".join(f"{lab} {float(p):g}" for lab, p in zip(ls, ps)) + "\n"
    else:
        for ls in labels:
            yield " ".join(ls) + "\n"


def _predict(pos, opts, with_prob: bool) -> int:
    k, th = k_and_threshold(pos)
    fmt, newline = output_format(opts), on_newline(opts)
    n_threads = threads(opts)
    model = load(pos[0], opts)
    k = api_k(model, k)
    records = open_records(pos[1], opts)
    out = Output()
    bar = Progress("predict", "lines", enabled=progress_wanted(opts))
    n = 0
    try:
        for docs, objs in records.batches():
            labels, probs = model.predict(docs, k=k, threshold=th, on_unicode_error="surrogateescape",
                                          threads=n_threads, on_newline=newline)
            out.write("".join(_predict_rows(labels, probs, objs, fmt, with_prob)))
            n += len(docs)
            bar.update(n, records.fraction())
    finally:
        records.close()
    bar.close(n, 1.0 if records.size else None)
    out.flush()
    return 0


@verb("predict", "most likely labels of each line", _POSITIONALS, _PREDICT_OPTS, _PREDICT_USAGE)
def cmd_predict(pos, opts):
    return _predict(pos, opts, False)


@verb("predict-prob", "most likely labels of each line, with probabilities", _POSITIONALS, _PREDICT_OPTS,
      _PREDICT_USAGE)
def cmd_predict_prob(pos, opts):
    return _predict(pos, opts, True)
