"""``sentvec demo``: train sent2vec on the bundled Gutenberg corpus and show what it learned.

The corpus (``sentvec/data/gutenberg-sentences.txt.xz``, 47,727 public-domain sentences, about a
million words; see ``sentvec/data/README.md``) ships inside the package, so the demo needs no
download. It trains with the public API (``sentvec.train_unsupervised(model="sent2vec")``) on one
thread with a fixed seed, so every run prints the same figures; saves the model; prints the nearest
neighbours of a few words and the most similar pairs among a handful of sentences; and says where
the model was saved.

Cosines are taken after removing the mean vector (of the vocabulary's words, of the corpus's
sentences): sent2vec's vectors share a large common direction, which puts every raw cosine between
about 0.85 and 0.99 and hides which neighbours are close. The options, the query words and the
sentences were chosen by measurement (``bench/bench_demo.py``, figures in its output and the
README).
"""

from __future__ import annotations

import lzma
import os
import tempfile
import time
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

import sentvec

from .common import COMMON_OPTS, progress_wanted
from .parsing import Opt, verb
from .progress import Progress

CORPUS = "gutenberg-sentences.txt.xz"

#: Training options: sent2vec's documented defaults except unigrams only (wordNgrams 1) and 10 epochs,
#: which on this one-million-word corpus measured better than the defaults on both sentence pairs and
#: stable neighbours while training faster (bench/bench_demo.py); one thread and a seed make the run
#: reproducible.
DEFAULTS: dict[str, Any] = dict(
    dim=100, epoch=10, lr=0.2, minCount=5, wordNgrams=1, neg=10, t=1e-4, dropoutK=2, bucket=200_000, seed=1,
    thread=1,
)

#: Paraphrase pairs normalized like the corpus (lower case, no punctuation), written to share few
#: words; ``bench/bench_demo.py`` measures how often each sentence's nearest one is its partner.
CANDIDATE_PAIRS: list[tuple[str, str]] = [
    ("a great whale swam beside our ship at sea", "the sailors saw a huge fish in the ocean"),
    ("she hoped her sister would marry a rich gentleman", "the young lady was engaged to a wealthy man"),
    ("the king and his soldiers were slain in war", "the prince fought bravely and died in battle"),
    ("angels fell from heaven into darkness and fire", "the rebel spirits were cast down to hell"),
    ("the captain ordered the men to lower the boats", "the mate told the crew to launch the whaleboats"),
    ("the ghost of my father walks at night", "the spirit of the dead king appeared at midnight"),
    ("i sing of the grass and of myself", "i celebrate the leaves and my own body"),
    ("she wrote him a long letter", "he received her note by the morning post"),
    ("the storm drove the vessel onto the rocks", "the wind and waves wrecked the ship upon the shore"),
    ("her mother was very ill and near death", "the old woman lay dying in her bed"),
    ("he lost all his money and his estate", "the family fortune was gone"),
    ("the priest knew who had stolen the cross", "the little detective guessed the thief"),
]
#: The pairs the demo shows (indices into CANDIDATE_PAIRS): of the 4-pair sets whose sentences pair up
#: as written for seeds 1 and 2, the one with the widest gap between the 4th and 5th most similar pair.
SHOWN_PAIRS = (2, 5, 6, 11)

#: Frequent words across the books whose 8 nearest words agree most between seeds 1 and 2 (6 to 8 of 8).
QUERY_WORDS = ["whale", "ship", "mother", "captain", "god", "love"]

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


def centered_unit(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Rows minus ``mean``, scaled to unit length (zero rows stay zero)."""
    v = np.asarray(vectors, dtype=np.float64) - mean
    norms = np.linalg.norm(v, axis=1)
    return v / np.where(norms > 0, norms, 1.0)[:, None]


def mean_sentence_vector(model: sentvec.Model, lines: Sequence[str]) -> np.ndarray:
    return np.asarray(model.embed_sentences(list(lines)), dtype=np.float64).mean(axis=0)


class WordIndex:
    """Nearest words by cosine after removing the mean word vector, among the most frequent words."""

    def __init__(self, model: sentvec.Model, top: int = 20_000):
        self.words = model.get_words()[:top]  # the dictionary is sorted by frequency
        vectors = np.asarray(model.get_word_vectors(self.words), dtype=np.float64)
        self.unit = centered_unit(vectors, vectors.mean(axis=0))
        self.ids = {w: i for i, w in enumerate(self.words)}

    def __contains__(self, word: str) -> bool:
        return word in self.ids

    def nearest(self, word: str, k: int) -> list[tuple[float, str]]:
        sims = self.unit @ self.unit[self.ids[word]]
        sims[self.ids[word]] = -np.inf
        best = np.argsort(-sims, kind="stable")[:k]
        return [(float(sims[i]), self.words[i]) for i in best]


def ranked_pairs(unit: np.ndarray) -> list[tuple[float, int, int]]:
    """(cosine, i, j) of every pair i < j of the rows of ``unit``, most similar first."""
    sims = unit @ unit.T
    pairs = [(float(sims[i, j]), i, j) for i in range(len(unit)) for j in range(i + 1, len(unit))]
    return sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))


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


def _report_words(model: sentvec.Model) -> None:
    index = WordIndex(model)
    _say()
    _say("Nearest neighbours (cosine after removing the mean word vector):")
    for word in QUERY_WORDS:
        if word in index:
            _say(f"  {word:<8} " + ", ".join(f"{w} {s:.2f}" for s, w in index.nearest(word, 6)))


def _report_sentences(model: sentvec.Model, corpus_lines: Sequence[str]) -> None:
    sentences = [s for i in SHOWN_PAIRS for s in CANDIDATE_PAIRS[i]]
    _say()
    _say("Sentences:")
    for i, s in enumerate(sentences):
        _say(f"  [{i}] {s}")
    mean = mean_sentence_vector(model, corpus_lines)
    pairs = ranked_pairs(centered_unit(model.embed_sentences(sentences), mean))
    _say("Most similar pairs (cosine after removing the corpus's mean sentence vector):")
    for sim, i, j in pairs[: len(SHOWN_PAIRS)]:
        _say(f"  {sim:5.2f}  [{i}] ~ [{j}]")
    sim, i, j = pairs[-1]
    _say(f"Least similar pair: {sim:.2f}  [{i}] ~ [{j}]")


def _train_options(opts: dict[str, Any]) -> dict[str, Any]:
    return {name: opts[name] for name in ("thread", "epoch", "dim") if name in opts}


def run_demo(opts: dict[str, Any], show_progress: bool) -> int:
    """Entry point of ``sentvec demo`` (``opts`` are the parsed command-line options)."""
    out_dir = opts.get("output")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    else:
        out_dir = tempfile.mkdtemp(prefix="sentvec-demo-")
    train_opts = _train_options(opts)
    threads = train_opts.get("thread", DEFAULTS["thread"])
    data = read_corpus(opts.get("lines"))
    n_lines, n_words = data.count(b"\n"), len(data.split())
    _say(f"sentvec demo: sent2vec sentence embeddings on {n_lines:,} sentences ({n_words:,} words) of")
    _say("13 public-domain books (Austen, Melville, Shakespeare, Milton, Whitman, ...), bundled with sentvec.")
    seeded = "seed 1, reproducible" if threads == 1 else "several threads: results vary between runs"
    _say(f"Training on {threads} thread{'s' * (threads != 1)} ({seeded})...")
    with tempfile.TemporaryDirectory(prefix="sentvec-demo-corpus-") as tmp:
        path = os.path.join(tmp, "gutenberg-sentences.txt")
        with open(path, "wb") as f:
            f.write(data)
        start = time.monotonic()
        model = _train(path, train_opts, show_progress)
        took = time.monotonic() - start
    _say(f"Trained in {took:.1f} s: {len(model.get_words()):,} words, dimension {model.get_dimension()}.")
    stem = os.path.join(out_dir, "gutenberg-sent2vec")
    model.save_model(stem + ".bin")
    model.save_vectors(stem + ".vec")
    _report_words(model)
    _report_sentences(model, data.decode("utf-8").split("\n")[:n_lines])
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
        "thread": Opt("int", "number of threads (default 1: reproducible)"),
        "epoch": Opt("int", "number of epochs"),
        "dim": Opt("int", "size of the vectors"),
        "lines": Opt("int", "use only the first N lines of the corpus"),
        "verbose": Opt("int", "verbosity level"),
    },
)
def cmd_demo(pos, opts):
    return run_demo(opts, progress_wanted(opts))
