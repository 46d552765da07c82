"""``sentvec demo``: train sent2vec on the bundled Gutenberg corpus and show what it learned.

The corpus (``sentvec/data/gutenberg-sentences.txt.xz``, 47,727 public-domain sentences, about a
million words; see ``sentvec/data/README.md``) ships inside the package, so the demo needs no
download. It trains with the public API (``sentvec.train_unsupervised(model="sent2vec")``), saves
the model, prints the nearest neighbours of a few words and the most similar pairs among a handful
of sentences, and says where the model was saved.
"""

from __future__ import annotations

import lzma
import os
import tempfile
import time
from importlib import resources
from typing import Any

import numpy as np

import sentvec

from .common import COMMON_OPTS, progress_wanted
from .parsing import Opt, verb
from .progress import Progress

CORPUS = "gutenberg-sentences.txt.xz"

#: Words with many occurrences across the 13 books (Melville, Austen, Shakespeare, Milton, ...).
QUERY_WORDS = ["whale", "ship", "sea", "heaven", "sister", "night"]

#: Sentences normalized like the corpus (lower case, no punctuation); they come in related pairs.
SENTENCES = [
    "a great whale swam beside our ship at sea",
    "the sailors saw a huge fish in the ocean",
    "she hoped her sister would marry a rich gentleman",
    "the young lady was engaged to a wealthy man",
    "the king and his soldiers were slain in war",
    "the prince fought bravely and died in battle",
    "angels fell from heaven into darkness and fire",
    "i sing of the grass and of myself",
]

#: Training options: sent2vec's documented defaults, with fewer buckets and a lower minCount for a
#: one-million-word corpus (5 epochs: about 17 s of CPU time, under 10 s on 2 cores).
DEFAULTS: dict[str, Any] = dict(
    dim=100, epoch=5, lr=0.2, minCount=3, wordNgrams=2, neg=10, t=1e-4, dropoutK=2, bucket=200_000, seed=1
)


def corpus_path() -> str:
    """Where the bundled corpus (xz-compressed) is installed."""
    return str(resources.files("sentvec").joinpath("data", CORPUS))


def read_corpus(lines: int | None = None) -> bytes:
    """The bundled corpus as bytes, one sentence per line (only the first ``lines`` if given)."""
    with lzma.open(corpus_path(), "rb") as f:
        if lines is None:
            return f.read()
        out = []
        for i, line in enumerate(f):
            if i >= lines:
                break
            out.append(line)
        return b"".join(out)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _train(path: str, opts: dict[str, Any], show: bool) -> sentvec.Model:
    return _with_bar(sentvec.train_unsupervised, path, "sent2vec", {**DEFAULTS, **opts, "verbose": 0}, show)


def _with_bar(train, path: str, model: str, kw: dict[str, Any], show: bool):
    """Train with the progress bar drawn from the training API's callback."""
    if not show:
        return train(path, model=model, **kw)
    bar = Progress("train", "words", enabled=True)

    def callback(p) -> bool:
        bar.update(p.tokens, p.progress, extra=f"loss {p.loss:.3f}", force=p.finished)
        return True

    try:
        return train(path, model=model, callback=callback, **kw)
    finally:
        bar.close()


def most_similar_pairs(vectors: np.ndarray, top: int = 3):
    """(cosine, i, j) of the ``top`` most similar pairs i < j of the rows of ``vectors``."""
    norms = np.linalg.norm(vectors, axis=1)
    unit = vectors / np.where(norms > 0, norms, 1.0)[:, None]
    sims = unit @ unit.T
    pairs = [(float(sims[i, j]), i, j) for i in range(len(vectors)) for j in range(i + 1, len(vectors))]
    pairs.sort(reverse=True)
    return pairs[:top], pairs[-1]


def run_demo(opts: dict[str, Any], show_progress: bool) -> int:
    """Entry point of ``sentvec demo`` (``opts`` are the parsed command-line options)."""
    out_dir = opts.get("output")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    else:
        out_dir = tempfile.mkdtemp(prefix="sentvec-demo-")
    train_opts: dict[str, Any] = {"thread": opts.get("thread", 2)}
    for name in ("epoch", "dim"):
        if name in opts:
            train_opts[name] = opts[name]

    data = read_corpus(opts.get("lines"))
    n_lines, n_words = data.count(b"\n"), len(data.split())
    _say(f"sentvec demo: sent2vec sentence embeddings on {n_lines:,} sentences ({n_words:,} words) of")
    _say(
        "13 public-domain books (Austen, Melville, Shakespeare, Milton, Whitman, ...), bundled with sentvec."
    )
    _say(f"Training on {train_opts['thread']} threads...")
    with tempfile.TemporaryDirectory(prefix="sentvec-demo-corpus-") as tmp:
        path = os.path.join(tmp, "gutenberg-sentences.txt")
        with open(path, "wb") as f:
            f.write(data)
        start = time.monotonic()
        model = _train(path, train_opts, show_progress)
        took = time.monotonic() - start
    kind = "sent2vec"
    _say(
        f"Trained a {kind} model in {took:.1f} s: {len(model.get_words()):,} words, dimension {model.get_dimension()}."
    )

    stem = os.path.join(out_dir, "gutenberg-" + kind)
    model.save_model(stem + ".bin")
    model.save_vectors(stem + ".vec")

    _say()
    _say("Nearest neighbours (cosine):")
    for word in QUERY_WORDS:
        if word not in model:
            continue
        nn = model.get_nearest_neighbors(word, k=6)
        _say(f"  {word:<8} " + ", ".join(f"{w} {s:.2f}" for s, w in nn))

    _say()
    _say("Sentences:")
    for i, s in enumerate(SENTENCES):
        _say(f"  [{i}] {s}")
    vecs = model.embed_sentences(SENTENCES)
    best, worst = most_similar_pairs(np.asarray(vecs, dtype=np.float64))
    _say("Most similar pairs:")
    for sim, i, j in best:
        _say(f"  {sim:.2f}  [{i}] ~ [{j}]")
    _say(f"Least similar pair: {worst[0]:.2f}  [{worst[1]}] ~ [{worst[2]}]")

    _say()
    _say(f"Model saved to {stem}.bin (word vectors: {stem}.vec). Try:")
    _say(f"  sentvec nn {stem}.bin")
    _say(f"  echo 'the whale and the ship' | sentvec print-sentence-vectors {stem}.bin")
    return 0


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
    return run_demo(opts, progress_wanted(opts))
