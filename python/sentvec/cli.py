"""The ``sentvec`` command line: fastText's verbs and flags over the public Python API.

Every verb calls ``sentvec.load_model``, a ``Model`` method or ``sentvec.train_*``, so the command
line and the library share one code path. Results go to standard output in the official fastText
CLI's formats; errors go to standard error as one line, with exit status 1 for a failed command
(missing file, bad model, bad option value) and 2 for a usage error (unknown verb or flag, missing
argument). ``SENTVEC_DEBUG=1`` adds the Python traceback to an error.
"""

from __future__ import annotations

import inspect
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Callable

from ._progress import Progress

PROG = "sentvec"


class UsageError(Exception):
    """The command line itself is wrong: exit status 2."""


class CommandError(Exception):
    """The command could not be done (a user mistake other than usage): exit status 1."""


# ---------------------------------------------------------------------------------------- options
@dataclass
class Opt:
    kind: str  # "int", "float", "str" or "flag"
    help: str


#: Training options with fastText's names (the Python API uses the same names).
TRAIN_OPTS: dict[str, Opt] = {
    "input": Opt("str", "training file path ('-' reads standard input)"),
    "output": Opt("str", "output file path, without extension: writes <output>.bin and <output>.vec"),
    "lr": Opt("float", "learning rate"),
    "lrUpdateRate": Opt("int", "change the rate of updates for the learning rate"),
    "dim": Opt("int", "size of word vectors"),
    "ws": Opt("int", "size of the context window"),
    "epoch": Opt("int", "number of epochs"),
    "minCount": Opt("int", "minimal number of word occurrences"),
    "minCountLabel": Opt("int", "minimal number of label occurrences (sent2vec: alias of -minCountTarget)"),
    "neg": Opt("int", "number of negatives sampled"),
    "wordNgrams": Opt("int", "max length of word n-grams"),
    "loss": Opt("str", "loss function {ns, hs, softmax, ova}"),
    "bucket": Opt("int", "number of buckets"),
    "minn": Opt("int", "min length of char n-grams"),
    "maxn": Opt("int", "max length of char n-grams"),
    "thread": Opt("int", "number of threads"),
    "t": Opt("float", "sampling threshold"),
    "label": Opt("str", "labels prefix"),
    "verbose": Opt("int", "verbosity level (2 shows the progress line)"),
    "pretrainedVectors": Opt("str", "pretrained word vectors (.vec) for supervised learning"),
    "seed": Opt("int", "random seed (with -thread 1, runs are reproducible)"),
    "saveOutput": Opt("flag", "also write the output vectors to <output>.output"),
    "dropoutK": Opt("int", "sent2vec: number of word n-grams dropped per sentence"),
    "minCountTarget": Opt("int", "sent2vec: minimal number of occurrences of a target word"),
}

COMMON_OPTS: dict[str, Opt] = {
    "progress": Opt("flag", "show the progress line even when standard error is not a terminal"),
    "no-progress": Opt("flag", "never show the progress line"),
}
MODEL_OPTS: dict[str, Opt] = {
    "mmap": Opt("flag", "map the model file instead of reading it into memory"),
}
THREAD_OPT: dict[str, Opt] = {
    "thread": Opt("int", "number of threads (default: all cores)"),
    "verbose": Opt("int", "verbosity level (2 shows the progress line)"),
}


@dataclass
class Verb:
    name: str
    summary: str
    positionals: list[str]  # names; a trailing '?' marks an optional one
    options: dict[str, Opt] = field(default_factory=dict)
    run: Callable[..., int] | None = None
    usage_extra: str = ""

    def usage(self) -> str:
        pos = " ".join(f"[{p[:-1]}]" if p.endswith("?") else f"<{p}>" for p in self.positionals)
        return f"{PROG} {self.name} {pos}".rstrip() + (" [options]" if self.options else "")


VERBS: dict[str, Verb] = {}


def verb(
    name: str,
    summary: str,
    positionals: Sequence[str],
    options: dict[str, Opt] | None = None,
    usage_extra: str = "",
):
    def deco(fn):
        VERBS[name] = Verb(name, summary, list(positionals), dict(options or {}), fn, usage_extra)
        return fn

    return deco


def _convert(flag: str, opt: Opt, value: str) -> Any:
    if opt.kind == "int":
        try:
            return int(value)
        except ValueError:
            raise UsageError(f"{flag} expects an integer (got {value!r})") from None
    if opt.kind == "float":
        try:
            return float(value)
        except ValueError:
            raise UsageError(f"{flag} expects a number (got {value!r})") from None
    return value


def _looks_like_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def parse_args(v: Verb, args: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """Split ``args`` into positionals and ``{option: value}`` for verb ``v``."""
    pos: list[str] = []
    opts: dict[str, Any] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a != "-" and not _looks_like_number(a):
            name, eq, inline = a.lstrip("-").partition("=")
            opt = v.options.get(name)
            if opt is None and name.startswith("autotune"):
                raise UsageError(f"{a}: autotuning is not implemented in sentvec; give the options explicitly")
            if opt is None and name in ("cutoff", "retrain", "qnorm", "qout", "dsub"):
                raise UsageError(f"{a} is a quantization option: use '{PROG} quantize -output <model>'")
            if opt is None:
                raise UsageError(f"unknown option {a} for '{v.name}' (see '{PROG} help {v.name}')")
            if opt.kind == "flag":
                if eq:
                    raise UsageError(f"option -{name} takes no value")
                opts[name] = True
                i += 1
                continue
            if eq:
                value = inline
                i += 1
            elif i + 1 < len(args):
                value = args[i + 1]
                i += 2
            else:
                raise UsageError(f"option -{name} needs a value")
            opts[name] = _convert(f"-{name}", opt, value)
        else:
            pos.append(a)
            i += 1
    required = [p for p in v.positionals if not p.endswith("?")]
    if len(pos) < len(required):
        missing = required[len(pos)]
        raise UsageError(f"'{v.name}' needs <{missing}>: {v.usage()}")
    if len(pos) > len(v.positionals):
        raise UsageError(
            f"too many arguments for '{v.name}' ({' '.join(pos[len(v.positionals) :])!r}): {v.usage()}"
        )
    return pos, opts


def _int_arg(value: str | None, name: str, default: int, minimum: int = 1) -> int:
    if value is None:
        return default
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"<{name}> must be an integer (got {value!r})") from None
    if n < minimum:
        raise UsageError(f"<{name}> must be >= {minimum} (got {n})")
    return n


def _float_arg(value: str | None, name: str, default: float) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"<{name}> must be a number (got {value!r})") from None


# ---------------------------------------------------------------------------------------- helpers
def progress_wanted(opts: dict[str, Any]) -> bool:
    """On a terminal by default; ``-progress``/``-verbose 2`` force it, ``-no-progress``/``-verbose <2`` stop it."""
    if opts.get("no-progress"):
        return False
    if opts.get("progress"):
        return True
    if "verbose" in opts:
        return opts["verbose"] >= 2
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _threads(opts: dict[str, Any]) -> int | None:
    t = opts.get("thread")
    if t is not None and t < 1:
        raise UsageError(f"-thread must be >= 1 (got {t})")
    return t


def _load(path: str, opts: dict[str, Any]):
    import sentvec

    if path == "-":
        raise UsageError("the model must be a file, not standard input")
    return sentvec.load_model(path, mmap=bool(opts.get("mmap")))


class Output:
    """Standard output as bytes (words keep their exact bytes via surrogateescape)."""

    def __init__(self, stream: IO[bytes] | None = None):
        self.stream = stream if stream is not None else sys.stdout.buffer

    def write(self, text: str) -> None:
        self.stream.write(text.encode("utf-8", "surrogateescape"))

    def flush(self) -> None:
        self.stream.flush()


def _open_input(path: str) -> tuple[IO[bytes], int | None]:
    """A binary stream for ``path`` ('-' is standard input) and its size when known."""
    if path == "-":
        return sys.stdin.buffer, None
    f = open(path, "rb")
    try:
        size = os.fstat(f.fileno()).st_size
    except OSError:
        size = None
    return f, size


def _decode(raw: bytes) -> str:
    # The API takes str; bytes that are not UTF-8 become U+FFFD (they are OOV for any model).
    return raw.decode("utf-8", "replace")


def iter_line_batches(f: IO[bytes], hint: int = 1 << 20) -> Iterator[tuple[list[str], int]]:
    """Yield (lines without their newline, bytes consumed), about ``hint`` bytes at a time."""
    while True:
        raw = f.readlines(hint)
        if not raw:
            return
        nbytes = sum(len(r) for r in raw)
        text = _decode(b"".join(raw))
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        yield lines, nbytes


def _spool_stdin(suffix: str = ".txt") -> str:
    """Copy standard input to a temporary file (for commands that read their input more than once)."""
    fd, path = tempfile.mkstemp(prefix="sentvec-stdin-", suffix=suffix)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
    return path


def fmt_vector(values) -> str:
    """fastText's vector printing: each value like C's ``%.5g``, followed by one space."""
    vals = values.tolist()
    return ("%.5g " * len(vals)) % tuple(vals)


# ---------------------------------------------------------------------------------------- training
def _train_function(verb_name: str):
    try:
        import sentvec

        from . import train as _train  # noqa: F401
    except ImportError as e:  # pragma: no cover - only while training is not built
        raise CommandError(f"training is not available in this build ({e})") from None
    if verb_name == "supervised":
        return sentvec.train_supervised, {}
    return sentvec.train_unsupervised, {"model": verb_name}


def _accepted_options(fn) -> set | None:
    """Names the training function accepts, or None when it takes ``**kwargs``."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return set(params)


def train_command(
    verb_name: str, pos: list[str], opts: dict[str, Any], extra_kwargs: dict[str, Any] | None = None
) -> int:
    if "input" not in opts:
        raise UsageError(f"'{verb_name}' needs -input <path>")
    if "output" not in opts:
        raise UsageError(
            f"'{verb_name}' needs -output <path> (the model is saved to <output>.bin and <output>.vec)"
        )
    fn, kwargs = _train_function(verb_name)
    kwargs.update(extra_kwargs or {})
    show = progress_wanted(opts)
    save_output = bool(opts.pop("saveOutput", False))
    output = opts.pop("output")
    inp = opts.pop("input")
    opts.pop("progress", None)
    opts.pop("no-progress", None)
    if show:
        opts["verbose"] = max(opts.get("verbose", 2), 2)
    else:
        opts["verbose"] = min(opts.get("verbose", 0), 1)
    if opts.get("loss") == "one-vs-all":  # the name fastText's `dump args` prints
        opts["loss"] = "ova"
    accepted = _accepted_options(fn)
    if accepted is not None:
        for name in opts:
            if name not in accepted:
                raise UsageError(f"option -{name} does not apply to '{verb_name}'")
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        raise CommandError(f"cannot write {output}.bin: folder {out_dir} does not exist")
    spooled = None
    if inp == "-":
        spooled = inp = _spool_stdin()
    try:
        model = fn(inp, **kwargs, **opts)
    finally:
        if spooled:
            os.unlink(spooled)
    model.save_model(output + ".bin")
    model.save_vectors(output + ".vec")
    written = [output + ".bin", output + ".vec"]
    if save_output:
        model.save_vectors(output + ".output", which="output")
        written.append(output + ".output")
    if show:
        print(f"saved {', '.join(written)}", file=sys.stderr)
    return 0


_TRAIN_HELP = "fastText options, e.g. -dim 100 -epoch 5 -lr 0.05 -thread 2"


_SENT2VEC_ONLY = ("dropoutK", "minCountTarget")


def _train_verb(name: str, summary: str):
    options = {k: v for k, v in TRAIN_OPTS.items() if name == "sent2vec" or k not in _SENT2VEC_ONLY}
    options.update(COMMON_OPTS)

    def run(pos, opts):
        return train_command(name, pos, opts)

    VERBS[name] = Verb(name, summary, [], options, run, _TRAIN_HELP)


_train_verb("supervised", "train a supervised classifier")
_train_verb("skipgram", "train a skipgram model")
_train_verb("cbow", "train a cbow model")
_train_verb("sent2vec", "train a sent2vec sentence-embedding model")


# ---------------------------------------------------------------------------------------- classification
def _test_counts(model, path: str, k: int, threshold: float, show: bool) -> tuple[int, float, float]:
    """``Model.test`` with a progress line: the file is tested in chunks and the counts summed."""
    core_test = getattr(getattr(model, "f", None), "test", None)
    if not show or core_test is None or model.args.get("model") != "supervised":
        if path == "-":
            tmp = _spool_stdin()
            try:
                return model.test(tmp, k, threshold)
            finally:
                os.unlink(tmp)
        return model.test(path, k, threshold)
    f, size = _open_input(path)
    bar = Progress("test", "lines", enabled=True)
    n = gold = predicted = pg = 0
    done_bytes = 0
    fd, tmp = tempfile.mkstemp(prefix="sentvec-test-", suffix=".txt")
    os.close(fd)
    try:
        while True:
            raw = f.readlines(4 << 20)
            if not raw:
                break
            with open(tmp, "wb") as chunk:
                chunk.writelines(raw)
            # The same C++ call as Model.test, on one chunk: (examples, (gold, predicted, correct), per label)
            cn, (cg, cp, cpg), _ = core_test(tmp, k, threshold)
            n, gold, predicted, pg = n + cn, gold + cg, predicted + cp, pg + cpg
            done_bytes += sum(len(r) for r in raw)
            bar.update(n, done_bytes / size if size else None)
    finally:
        os.unlink(tmp)
        if f is not sys.stdin.buffer:
            f.close()
    bar.close(n, 1.0 if size else None)
    precision = pg / predicted if predicted else float("nan")
    recall = pg / gold if gold else float("nan")
    return n, precision, recall


def _print_test(out: Output, n: int, p: float, r: float, k: int) -> None:
    out.write(f"N\t{n}\nP@{k}\t{p:.3g}\nR@{k}\t{r:.3g}\n")


@verb(
    "test",
    "evaluate a supervised classifier",
    ["model", "test-data", "k?", "threshold?"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT},
)
def cmd_test(pos, opts):
    k = _int_arg(pos[2] if len(pos) > 2 else None, "k", 1)
    th = _float_arg(pos[3] if len(pos) > 3 else None, "threshold", 0.0)
    model = _load(pos[0], opts)
    n, p, r = _test_counts(model, pos[1], k, th, progress_wanted(opts))
    _print_test(Output(), n, p, r, k)
    return 0


def _metric(name: str, value: float) -> str:
    shown = f"{value:.6f}" if value == value and abs(value) != float("inf") else "--------"
    return f"{name} : {shown}  "


@verb(
    "test-label",
    "per-label precision, recall and F1 of a supervised classifier",
    ["model", "test-data", "k?", "threshold?"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT},
)
def cmd_test_label(pos, opts):
    k = _int_arg(pos[2] if len(pos) > 2 else None, "k", 1)
    th = _float_arg(pos[3] if len(pos) > 3 else None, "threshold", 0.0)
    model = _load(pos[0], opts)
    path, tmp = pos[1], None
    if path == "-":
        path = tmp = _spool_stdin()
    try:
        per = model.test_label(path, k, th)
        n, p, r = model.test(path, k, th)
    finally:
        if tmp:
            os.unlink(tmp)
    out = Output()
    for label, m in per.items():
        out.write(
            _metric("F1-Score", m["f1score"])
            + _metric("Precision", m["precision"])
            + _metric("Recall", m["recall"])
            + " "
            + label
            + "\n"
        )
    _print_test(out, n, p, r, k)
    return 0


def _predict(pos, opts, with_prob: bool) -> int:
    k = _int_arg(pos[2] if len(pos) > 2 else None, "k", 1)
    th = _float_arg(pos[3] if len(pos) > 3 else None, "threshold", 0.0)
    threads = _threads(opts)
    model = _load(pos[0], opts)
    f, size = _open_input(pos[1])
    out = Output()
    bar = Progress("predict", "lines", enabled=progress_wanted(opts))
    n = done = 0
    try:
        for lines, nbytes in iter_line_batches(f):
            labels, probs = model.predict(
                lines, k=k, threshold=th, on_unicode_error="surrogateescape", threads=threads
            )
            chunk = []
            for ls, ps in zip(labels, probs):
                if with_prob:
                    chunk.append(" ".join(f"{lab} {float(p):g}" for lab, p in zip(ls, ps)))
                else:
                    chunk.append(" ".join(ls))
            out.write("\n".join(chunk) + "\n")
            n += len(lines)
            done += nbytes
            bar.update(n, done / size if size else None)
    finally:
        if f is not sys.stdin.buffer:
            f.close()
    bar.close(n, 1.0 if size else None)
    out.flush()
    return 0


_PREDICT_USAGE = "<test-data> may be '-' (standard input); k defaults to 1, threshold to 0.0"


@verb(
    "predict",
    "most likely labels of each line",
    ["model", "test-data", "k?", "threshold?"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT},
    _PREDICT_USAGE,
)
def cmd_predict(pos, opts):
    return _predict(pos, opts, False)


@verb(
    "predict-prob",
    "most likely labels of each line, with probabilities",
    ["model", "test-data", "k?", "threshold?"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT},
    _PREDICT_USAGE,
)
def cmd_predict_prob(pos, opts):
    return _predict(pos, opts, True)


# ---------------------------------------------------------------------------------------- vectors
@verb(
    "print-word-vectors",
    "word vectors of the words read from standard input (or a file)",
    ["model", "words?"],
    {**MODEL_OPTS, **THREAD_OPT},
)
def cmd_print_word_vectors(pos, opts):
    model = _load(pos[0], opts)
    f, _ = _open_input(pos[1] if len(pos) > 1 else "-")
    out = Output()
    threads = _threads(opts)
    try:
        pending = b""
        while True:
            block = f.read(1 << 20)
            data = pending + block
            if block:
                # A token may continue into the next block: keep the tail after the last whitespace.
                cut = max(data.rfind(c) for c in (b" ", b"\n", b"\t", b"\r", b"\v", b"\f"))
                pending, data = (data[cut + 1 :], data[: cut + 1]) if cut >= 0 else (data, b"")
            else:
                pending = b""
            tokens = data.split()
            if tokens:
                vecs = model.get_word_vectors([_decode(t) for t in tokens], threads=threads)
                out.write(
                    "".join(
                        t.decode("utf-8", "surrogateescape") + " " + fmt_vector(v) + "\n"
                        for t, v in zip(tokens, vecs)
                    )
                )
            if not block:
                break
    finally:
        if f is not sys.stdin.buffer:
            f.close()
    out.flush()
    return 0


@verb(
    "print-sentence-vectors",
    "sentence vectors of the lines read from standard input (or a file)",
    ["model", "sentences?"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT},
)
def cmd_print_sentence_vectors(pos, opts):
    model = _load(pos[0], opts)
    f, size = _open_input(pos[1] if len(pos) > 1 else "-")
    out = Output()
    threads = _threads(opts)
    bar = Progress("embed", "lines", enabled=progress_wanted(opts))
    n = done = 0
    try:
        for lines, nbytes in iter_line_batches(f):
            vecs = model.embed_sentences(lines, threads=threads)
            out.write("".join(fmt_vector(v) + "\n" for v in vecs))
            n += len(lines)
            done += nbytes
            bar.update(n, done / size if size else None)
    finally:
        if f is not sys.stdin.buffer:
            f.close()
    bar.close(n, 1.0 if size else None)
    out.flush()
    return 0


@verb("print-ngrams", "the character n-grams of a word and their vectors", ["model", "word"], MODEL_OPTS)
def cmd_print_ngrams(pos, opts):
    model = _load(pos[0], opts)
    subwords, ids = model.get_subwords(pos[1], on_unicode_error="surrogateescape")
    out = Output()
    if len(ids):
        rows = model.get_input_matrix()[ids]
        out.write("".join(s + " " + fmt_vector(r) + "\n" for s, r in zip(subwords, rows)))
    out.flush()
    return 0


def _queries(given: str | None, group: int, prompt: str) -> Iterator[list[str]]:
    """Query words: from ``-query`` when given, else read from standard input as fastText does
    (whitespace-separated, ``group`` words per query). The prompt is shown only on a terminal."""
    if given is not None:
        words = given.split()
        if len(words) % group:
            raise UsageError(f"-query needs {group} word{'s' * (group > 1)} per query (got {len(words)})")
        for i in range(0, len(words), group):
            yield words[i : i + group]
        return
    interactive = sys.stdin.isatty()
    buf: list[str] = []
    while True:
        if interactive and not buf:
            sys.stdout.write(prompt)
            sys.stdout.flush()
        line = sys.stdin.buffer.readline()
        if not line:
            return
        buf.extend(_decode(line).split())
        while len(buf) >= group:
            q, buf = buf[:group], buf[group:]
            yield q


def _print_neighbours(out: Output, result) -> None:
    out.write("".join(f"{w} {float(s):g}\n" for s, w in result))
    out.flush()


@verb(
    "nn",
    "nearest neighbours of query words (read from standard input, or -query)",
    ["model", "k?"],
    {**MODEL_OPTS, "query": Opt("str", "the query word(s), instead of reading standard input")},
)
def cmd_nn(pos, opts):
    k = _int_arg(pos[1] if len(pos) > 1 else None, "k", 10)
    model = _load(pos[0], opts)
    out = Output()
    for (word,) in _queries(opts.get("query"), 1, "Query word? "):
        _print_neighbours(out, model.get_nearest_neighbors(word, k, on_unicode_error="surrogateescape"))
    return 0


@verb(
    "analogies",
    "analogies A - B + C of query triplets (read from standard input, or -query)",
    ["model", "k?"],
    {
        **MODEL_OPTS,
        "query": Opt("str", "'A B C' (several triplets allowed), instead of reading standard input"),
    },
)
def cmd_analogies(pos, opts):
    k = _int_arg(pos[1] if len(pos) > 1 else None, "k", 10)
    model = _load(pos[0], opts)
    out = Output()
    for a, b, c in _queries(opts.get("query"), 3, "Query triplet (A - B + C)? "):
        _print_neighbours(out, model.get_analogies(a, b, c, k, on_unicode_error="surrogateescape"))
    return 0


# ---------------------------------------------------------------------------------------- dump, embed, convert
_FT_MODEL_NAMES = {"skipgram": "sg", "supervised": "sup", "cbow": "cbow", "sent2vec": "sent2vec"}
_FT_LOSS_NAMES = {"ova": "one-vs-all"}
_ARGS_ORDER = [
    "dim",
    "ws",
    "epoch",
    "minCount",
    "neg",
    "wordNgrams",
    "loss",
    "model",
    "bucket",
    "minn",
    "maxn",
    "lrUpdateRate",
    "t",
]


def _dump_matrix(out: Output, m) -> None:
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


@verb(
    "dump",
    "print a model's args, dictionary, input or output matrix",
    ["model", "option"],
    MODEL_OPTS,
    "<option> is one of args, dict, input, output",
)
def cmd_dump(pos, opts):
    what = pos[1]
    if what not in ("args", "dict", "input", "output"):
        raise UsageError(f"dump option must be one of args, dict, input, output (got {what!r})")
    model = _load(pos[0], opts)
    out = Output()
    if what == "args":
        a = model.args
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
    elif what == "dict":
        words, wfreq = model.get_words(include_freq=True, on_unicode_error="surrogateescape")
        entries = [(w, int(c), "word") for w, c in zip(words, wfreq)]
        if model.args.get("model") == "supervised":
            labels, lfreq = model.get_labels(include_freq=True, on_unicode_error="surrogateescape")
            entries += [(w, int(c), "label") for w, c in zip(labels, lfreq)]
        out.write(f"{len(entries)}\n")
        out.write("".join(f"{w} {c} {t}\n" for w, c, t in entries))
    else:
        _dump_matrix(out, model.get_input_matrix() if what == "input" else model.get_output_matrix())
    out.flush()
    return 0


def _count_lines(path: str) -> int:
    n, last = 0, b"\n"
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 22)
            if not block:
                break
            n += block.count(b"\n")
            last = block[-1:]
    return n + (last != b"\n")


def _embed_to_npy(model, src: str, dst: str, threads: int | None, bar: Progress) -> int:
    """Stream ``src`` into ``dst`` (.npy, float32, one row per line) with ``embed_sentences``."""
    import numpy as np

    rows = _count_lines(src)
    size = os.path.getsize(src)
    dim = model.get_dimension()
    out_dir = os.path.dirname(os.path.abspath(dst))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(dst) + ".", suffix=".tmp", dir=out_dir)
    os.close(fd)
    try:
        arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(rows, dim))
        n = done = 0
        with open(src, "rb") as f:
            for lines, nbytes in iter_line_batches(f):
                arr[n : n + len(lines)] = model.embed_sentences(lines, threads=threads)
                n += len(lines)
                done += nbytes
                bar.update(n, done / size if size else 1.0)
        arr.flush()
        del arr
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    bar.close(n, 1.0)
    return n


@verb(
    "embed",
    "sentence vectors of every line of a file, written to a .npy file",
    ["model", "sentences", "output"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT},
    "<sentences> may be '-' (standard input); row i of the .npy is line i",
)
def cmd_embed(pos, opts):
    model_path, src, dst = pos
    if dst == "-":
        raise UsageError("the .npy output must be a file path")
    if os.path.isdir(dst):
        raise CommandError(f"{dst}: is a directory; give the .npy file path")
    if not os.path.isdir(os.path.dirname(os.path.abspath(dst))):
        raise CommandError(f"cannot write {dst}: its folder does not exist")
    model = _load(model_path, opts)
    threads = _threads(opts)
    show = progress_wanted(opts)
    spooled = None
    if src == "-":
        spooled = src = _spool_stdin()
    elif not os.path.exists(src):
        raise FileNotFoundError(2, "No such file or directory", src)
    try:
        embed_file = getattr(model, "embed_file", None)
        if embed_file is not None and not show:
            arr = embed_file(src, dst, threads=threads)
            n = arr.shape[0]
            del arr
        else:
            n = _embed_to_npy(model, src, dst, threads, Progress("embed", "lines", enabled=show))
    finally:
        if spooled:
            os.unlink(spooled)
    if show:
        print(f"wrote {n} x {model.get_dimension()} float32 to {dst}", file=sys.stderr)
    return 0


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
    model = _load(pos[0], opts)
    model.save_vectors(pos[1], which=which, binary=bool(opts.get("binary")))
    return 0


# ---------------------------------------------------------------------------------------- quantize
@verb(
    "quantize",
    "quantize a supervised model: reads <output>.bin, writes <output>.ftz (as fastText)",
    [],
    {
        **COMMON_OPTS,
        "output": Opt("str", "model name: <output>.bin is read and <output>.ftz written"),
        "input": Opt("str", "training file (used by -retrain)"),
        "qnorm": Opt("flag", "quantize the row norms separately"),
        "qout": Opt("flag", "quantize the output matrix too (needs >= 256 labels)"),
        "cutoff": Opt("int", "keep the N input rows (words and n-grams) of largest norm (0: all)"),
        "retrain": Opt("flag", "retrain the pruned model on -input before quantizing"),
        "epoch": Opt("int", "number of epochs for -retrain (default: the model's)"),
        "lr": Opt("float", "learning rate for -retrain"),
        "dsub": Opt("int", "size of each sub-vector (default 2)"),
        **THREAD_OPT,
    },
    "Options as official fastText's quantize: -output is the model name without extension.",
)
def cmd_quantize(pos, opts):
    out = opts.get("output")
    if not out:
        raise UsageError(f"'quantize' needs -output <model> (the model is <model>.bin; see '{PROG} help quantize')")
    if opts.get("retrain") and not opts.get("input"):
        raise UsageError("-retrain needs -input <training file>")
    cutoff = opts.get("cutoff", 0)
    if cutoff < 0:
        raise UsageError(f"-cutoff must be >= 0 (got {cutoff})")
    dsub = opts.get("dsub", 2)
    if dsub < 1:
        raise UsageError(f"-dsub must be >= 1 (got {dsub})")
    model = _load(out + ".bin", opts)
    model.quantize(
        input=opts.get("input"),
        qout=bool(opts.get("qout")),
        cutoff=cutoff,
        dsub=dsub,
        qnorm=bool(opts.get("qnorm")),
        thread=_threads(opts),
        retrain=bool(opts.get("retrain")),
        epoch=opts.get("epoch"),
        lr=opts.get("lr"),
        verbose=opts.get("verbose", 2 if progress_wanted(opts) else 0),
    )
    model.save_model(out + ".ftz")
    return 0


# ---------------------------------------------------------------------------------------- demo, help
@verb(
    "demo",
    "train sent2vec on the bundled Gutenberg corpus and show what it learned",
    [],
    {
        **COMMON_OPTS,
        "output": Opt("str", "folder for the model (default: a new temporary folder)"),
        "thread": Opt("int", "number of threads (default 2)"),
        "epoch": Opt("int", "number of epochs"),
        "dim": Opt("int", "size of the vectors"),
        "lines": Opt("int", "use only the first N lines of the corpus"),
        "verbose": Opt("int", "verbosity level"),
    },
)
def cmd_demo(pos, opts):
    from .demo import run_demo

    return run_demo(opts, progress_wanted(opts))


def _train_defaults(verb_name: str) -> dict[str, Any]:
    """The training API's defaults for a training verb (shown in its help), or {}."""
    if verb_name not in ("supervised", "skipgram", "cbow", "sent2vec"):
        return {}
    try:
        import sentvec  # noqa: F401  (registers sent2vec's defaults)

        from . import train as t
    except ImportError:
        return {}
    if verb_name == "supervised":
        return dict(getattr(t, "_SUPERVISED_DEFAULTS", {}))
    d = dict(getattr(t, "_UNSUPERVISED_DEFAULTS", {}))
    d.update(getattr(t, "MODEL_DEFAULTS", {}).get(verb_name, {}))
    d.update(getattr(t, "MODEL_EXTRA_OPTIONS", {}).get(verb_name, {}))
    return d


def _help_text(v: Verb | None = None) -> str:
    if v is None:
        lines = [f"usage: {PROG} <command> <args>", "", "The commands supported by sentvec are:", ""]
        for name, vb in VERBS.items():
            lines.append(f"  {name:<24}{vb.summary}")
        lines += [
            "",
            f"'{PROG} help <command>' describes a command; training commands take fastText's flags",
            f"(e.g. '{PROG} skipgram -input data.txt -output model -dim 100').",
        ]
        return "\n".join(lines) + "\n"
    lines = [f"usage: {v.usage()}", "", v.summary]
    if v.usage_extra:
        lines += ["", v.usage_extra]
    if v.options:
        defaults = _train_defaults(v.name)
        lines += ["", "options:"]
        for name, o in v.options.items():
            arg = "" if o.kind == "flag" else f" <{o.kind}>"
            d = defaults.get(name)
            shown = f" [{d}]" if d not in (None, "") and o.kind != "flag" else ""
            if name == "thread" and name in defaults and d is None:
                shown = " [cpu count - 1]"
            elif name == "verbose" and defaults:
                shown = " [2 when stderr is a terminal, else 0]"
            lines.append(f"  -{name + arg:<26}{o.help}{shown}")
    return "\n".join(lines) + "\n"


def _version() -> str:
    try:
        from . import __version__
    except ImportError:  # pragma: no cover
        __version__ = "?"
    return f"{PROG} {__version__}"


# ---------------------------------------------------------------------------------------- entry point
def _describe(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        fname = e.filename if e.filename is not None else None
        if fname is not None and str(fname) not in e.strerror:
            msg = f"{fname}: {e.strerror}"
        else:
            msg = e.strerror
    elif isinstance(e, KeyError) and e.args:
        msg = str(e.args[0])
    else:
        msg = str(e) or type(e).__name__
    return " ".join(msg.split("\n")).strip()


def _run(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write(_help_text())
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd in ("help", "-h", "-help", "--help"):
        if rest and rest[0] not in VERBS:
            raise UsageError(f"unknown command {rest[0]!r}")
        sys.stdout.write(_help_text(VERBS[rest[0]] if rest else None))
        return 0
    if cmd in ("version", "-version", "--version"):
        print(_version())
        return 0
    v = VERBS.get(cmd)
    if v is None:
        raise UsageError(f"unknown command {cmd!r} (see '{PROG} help')")
    if any(a in ("-h", "-help", "--help") for a in rest):
        sys.stdout.write(_help_text(v))
        return 0
    pos, opts = parse_args(v, rest)
    return v.run(pos, opts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 1 error, 2 usage error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = bool(os.environ.get("SENTVEC_DEBUG"))
    try:
        return _run(args)
    except UsageError as e:
        sys.stderr.write(f"{PROG}: usage error: {_describe(e)}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as a C program killed by SIGPIPE would.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except (CommandError, OSError, ValueError, KeyError, MemoryError, IndexError) as e:
        if debug:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"{PROG}: error: {_describe(e)}\n")
        return 1
    except Exception as e:  # an internal error: still one line unless debugging
        if debug:
            raise
        sys.stderr.write(
            f"{PROG}: error: {type(e).__name__}: {_describe(e)} (internal error; SENTVEC_DEBUG=1 shows the traceback)\n"
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
