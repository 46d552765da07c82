"""Verbs that write a model's contents out: dump (fastText's format), embed (.npy), convert (.vec)."""

from __future__ import annotations

import os
import sys

import numpy as np

import sentvec

from .common import COMMON_OPTS, MODEL_OPTS, THREAD_OPT, load, progress_wanted, threads
from .errors import CommandError, UsageError
from .parsing import Opt, verb
from .progress import Progress
from .records import RECORD_OPTS, Records, jsonl_line, on_newline, open_records, output_format
from .streams import Output, spool_stdin

# ---------------------------------------------------------------------------------------- dump
_FT_MODEL_NAMES = {"skipgram": "sg", "supervised": "sup", "cbow": "cbow", "sent2vec": "sent2vec"}
_FT_LOSS_NAMES = {"ova": "one-vs-all"}
#: What fastText's `dump args` prints, in its order.
_ARGS_ORDER = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model", "bucket", "minn", "maxn",
               "lrUpdateRate", "t")


def _dump_args(out: Output, a: dict) -> None:
    for name in _ARGS_ORDER:
        v = a[name]
        if name == "model":
            v = _FT_MODEL_NAMES.get(v, v)
        elif name == "loss":
            v = _FT_LOSS_NAMES.get(v, v)
        elif name == "t":
            v = f"{float(v):g}"
        out.write(f"{name} {v}\n")
    if a.get("model") == "sent2vec" and "dropoutK" in a:
        out.write(f"dropoutK {a['dropoutK']}\n")


def _dump_dict(out: Output, model: sentvec.Model) -> None:
    words, wfreq = model.get_words(include_freq=True, on_unicode_error="surrogateescape")
    entries = [(w, int(c), "word") for w, c in zip(words, wfreq)]
    if model.args.get("model") == "supervised":
        labels, lfreq = model.get_labels(include_freq=True, on_unicode_error="surrogateescape")
        entries += [(w, int(c), "label") for w, c in zip(labels, lfreq)]
    out.write(f"{len(entries)}\n")
    out.write("".join(f"{w} {c} {t}\n" for w, c, t in entries))


def _dump_matrix(out: Output, m: np.ndarray) -> None:
    """``rows cols``, then each row's values like C++ ``ostream <<`` (``%g``), space-separated."""
    rows, cols = m.shape
    out.write(f"{rows} {cols}\n")
    if cols == 0:
        out.write("\n" * rows)
        return
    line = " ".join(["%g"] * cols) + "\n"
    step = max(1, 65536 // cols)
    for i in range(0, rows, step):
        block = m[i : i + step]
        out.write((line * len(block)) % tuple(block.ravel().tolist()))


_DUMP_WHAT = ("args", "dict", "input", "output")


@verb(
    "dump",
    "print a model's args, dictionary, input or output matrix",
    ["model", "option"],
    MODEL_OPTS,
    "<option> is one of args, dict, input, output",
)
def cmd_dump(pos, opts):
    what = pos[1]
    if what not in _DUMP_WHAT:
        raise UsageError(f"dump option must be one of {', '.join(_DUMP_WHAT)} (got {what!r})")
    model = load(pos[0], opts)
    out = Output()
    if what == "args":
        _dump_args(out, model.args)
    elif what == "dict":
        _dump_dict(out, model)
    else:
        _dump_matrix(out, model.get_input_matrix() if what == "input" else model.get_output_matrix())
    out.flush()
    return 0


# ---------------------------------------------------------------------------------------- embed
def _embed_to_npy(model: sentvec.Model, src: str, dst: str, n_threads: int | None, bar: Progress) -> int:
    """Stream ``src`` into ``dst`` (.npy, float32, one row per line) through the same writer as
    ``Model.embed_file`` (the core's one atomic path and file-mode rule), updating ``bar``."""
    size = os.path.getsize(src)
    rows = [0]

    def progress(n: int, done: int) -> None:
        rows[0] = n
        bar.update(n, done / size if size else 1.0)

    model.embed_file(src, dst, threads=n_threads, progress=progress)
    bar.close(rows[0], 1.0)
    return rows[0]


def _check_npy_target(dst: str) -> None:
    if os.path.isdir(dst):
        raise CommandError(f"{dst}: is a directory; give the .npy file path")
    if not os.path.isdir(os.path.dirname(os.path.abspath(dst))):
        raise CommandError(f"cannot write {dst}: its folder does not exist")


def _embed_plain(model: sentvec.Model, src: str, dst: str, n_threads: int | None, show: bool) -> int:
    """A plain text file (or standard input, spooled) to .npy through ``Model.embed_file``."""
    spooled = None
    if src == "-":
        spooled = src = spool_stdin()
    elif not os.path.exists(src):
        raise FileNotFoundError(2, "No such file or directory", src)
    try:
        return _embed_to_npy(model, src, dst, n_threads, Progress("embed", "lines", enabled=show))
    finally:
        if spooled:
            os.unlink(spooled)


def _embed_records(model: sentvec.Model, records: Records, dst: str, fmt: str, opts) -> int:
    """Compressed or JSON-lines input, or JSON-lines output: a batch of documents at a time."""
    n_threads, newline = threads(opts), on_newline(opts)
    bar = Progress("embed", "lines", enabled=progress_wanted(opts))
    rows = 0
    try:
        if fmt == "npy":
            def batches():
                for docs, _ in records.batches():
                    yield docs
                    bar.update(rows, records.fraction())

            def counted(n: int) -> None:
                nonlocal rows
                rows = n

            model.embed_to_npy(batches(), dst, threads=n_threads, on_newline=newline, progress=counted)
        else:
            out = Output()
            for docs, objs in records.batches():
                vecs = model.embed_sentences(docs, threads=n_threads, on_newline=newline)
                out.write("".join(jsonl_line(objs[i] if objs is not None else None, vector=v.tolist())
                                  for i, v in enumerate(vecs)))
                rows += len(docs)
                bar.update(rows, records.fraction())
            out.flush()
    finally:
        records.close()
    bar.close(rows, 1.0 if records.size else None)
    return rows


@verb(
    "embed",
    "sentence vectors of every line (or JSON document) of a file, written to .npy or as JSON lines",
    ["model", "sentences", "output"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT, **RECORD_OPTS},
    "<sentences> may be '-' (standard input), JSON lines (-field) and gzip/xz/zstd-compressed; row i of the "
    ".npy is document i; <output> '-' with -format jsonl writes JSON lines to standard output",
)
def cmd_embed(pos, opts):
    model_path, src, dst = pos
    fmt = "jsonl" if output_format(opts) == "jsonl" else "npy"
    if fmt == "npy" and dst == "-":
        raise UsageError("the .npy output must be a file path (or give -format jsonl for JSON lines on '-')")
    if fmt == "jsonl" and dst != "-":
        raise UsageError("JSON-lines output goes to standard output: give '-' as <output> and redirect it")
    if fmt == "npy":
        _check_npy_target(dst)
    on_newline(opts)
    model = load(model_path, opts)
    show = progress_wanted(opts)
    if src != "-" and not os.path.exists(src):
        raise FileNotFoundError(2, "No such file or directory", src)
    records = open_records(src, opts)
    if fmt == "npy" and records.field is None and records.stream is records.raw:
        records.close()  # plain text: the streaming C++ path
        records = None
    if records is None:
        n = _embed_plain(model, src, dst, threads(opts), show)
    else:
        n = _embed_records(model, records, dst, fmt, opts)
    if show and fmt == "npy":
        print(f"wrote {n} x {model.get_dimension()} float32 to {dst}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------- convert
@verb(
    "convert",
    "write a model's word vectors as .vec text (or word2vec binary)",
    ["model", "output"],
    {
        **MODEL_OPTS,
        "which": Opt("str", "input (word vectors, default) or output (output-matrix rows)"),
        "binary": Opt("flag", "word2vec binary format instead of text"),
    },
)
def cmd_convert(pos, opts):
    which = opts.get("which", "input")
    if which not in ("input", "output"):
        raise UsageError(f"-which must be input or output (got {which!r})")
    model = load(pos[0], opts)
    model.save_vectors(pos[1], which=which, binary=bool(opts.get("binary")))
    return 0
