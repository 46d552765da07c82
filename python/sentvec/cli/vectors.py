"""Vector verbs: print-word-vectors, print-sentence-vectors, print-ngrams, nn, analogies."""

from __future__ import annotations

from collections.abc import Iterator

from .common import COMMON_OPTS, MODEL_OPTS, THREAD_OPT, load, progress_wanted, threads
from .errors import UsageError
from .parsing import Opt, int_arg, verb
from .progress import Progress
from .streams import (
    Output,
    close_input,
    decode,
    fmt_vector,
    iter_line_batches,
    iter_token_batches,
    open_input,
    read_query_line,
    stdin_bytes,
    stdout_bytes,
)


@verb(
    "print-word-vectors",
    "word vectors of the words read from standard input (or a file)",
    ["model", "words?"],
    {**MODEL_OPTS, **THREAD_OPT},
)
def cmd_print_word_vectors(pos, opts):
    model = load(pos[0], opts)
    n_threads = threads(opts)
    f, _ = open_input(pos[1] if len(pos) > 1 else "-")
    out = Output()
    try:
        for tokens in iter_token_batches(f):
            vecs = model.get_word_vectors([decode(t) for t in tokens], threads=n_threads)
            out.write(
                "".join(t.decode("utf-8", "surrogateescape") + " " + fmt_vector(v) + "\n" for t, v in zip(tokens, vecs))
            )
            out.flush()
    finally:
        close_input(f)
    return 0


@verb(
    "print-sentence-vectors",
    "sentence vectors of the lines read from standard input (or a file)",
    ["model", "sentences?"],
    {**MODEL_OPTS, **COMMON_OPTS, **THREAD_OPT},
)
def cmd_print_sentence_vectors(pos, opts):
    model = load(pos[0], opts)
    n_threads = threads(opts)
    f, size = open_input(pos[1] if len(pos) > 1 else "-")
    out = Output()
    bar = Progress("embed", "lines", enabled=progress_wanted(opts))
    n = done = 0
    try:
        for lines, nbytes in iter_line_batches(f):
            vecs = model.embed_sentences(lines, threads=n_threads)
            out.write("".join(fmt_vector(v) + "\n" for v in vecs))
            out.flush()
            n += len(lines)
            done += nbytes
            bar.update(n, done / size if size else None)
    finally:
        close_input(f)
    bar.close(n, 1.0 if size else None)
    return 0


@verb("print-ngrams", "the character n-grams of a word and their vectors", ["model", "word"], MODEL_OPTS)
def cmd_print_ngrams(pos, opts):
    model = load(pos[0], opts)
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
    f = stdin_bytes()
    interactive = f.isatty()
    buf: list[str] = []
    while True:
        if interactive and not buf:
            stdout_bytes().write(prompt.encode())
            stdout_bytes().flush()
        line = read_query_line(f)
        if not line:
            return
        buf.extend(decode(line).split())
        while len(buf) >= group:
            q, buf = buf[:group], buf[group:]
            yield q


def _print_neighbours(out: Output, result) -> None:
    out.write("".join(f"{w} {float(s):g}\n" for s, w in result))
    out.flush()


_QUERY_HELP = "the query word(s), instead of reading standard input"


@verb(
    "nn",
    "nearest neighbours of query words (read from standard input, or -query)",
    ["model", "k?"],
    {**MODEL_OPTS, "query": Opt("str", _QUERY_HELP)},
)
def cmd_nn(pos, opts):
    k = int_arg(pos[1] if len(pos) > 1 else None, "k", 10)
    model = load(pos[0], opts)
    out = Output()
    for (word,) in _queries(opts.get("query"), 1, "Query word? "):
        _print_neighbours(out, model.get_nearest_neighbors(word, k, on_unicode_error="surrogateescape"))
    return 0


@verb(
    "analogies",
    "analogies A - B + C of query triplets (read from standard input, or -query)",
    ["model", "k?"],
    {**MODEL_OPTS, "query": Opt("str", "'A B C' (several triplets allowed), instead of reading standard input")},
)
def cmd_analogies(pos, opts):
    k = int_arg(pos[1] if len(pos) > 1 else None, "k", 10)
    model = load(pos[0], opts)
    out = Output()
    for a, b, c in _queries(opts.get("query"), 3, "Query triplet (A - B + C)? "):
        _print_neighbours(out, model.get_analogies(a, b, c, k, on_unicode_error="surrogateescape"))
    return 0

