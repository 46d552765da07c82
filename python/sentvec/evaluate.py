"""Intrinsic evaluation of word and sentence embeddings.

- :func:`sts` — semantic textual similarity: Spearman correlation between the cosine of two
  sentence vectors and a gold score, on a ``score<TAB>sentence1<TAB>sentence2`` file (STS-B).
- :func:`word_similarity` — Spearman correlation between word-vector cosines and human scores on
  a ``word1<TAB>word2<TAB>score`` file (WordSim-353), with the out-of-vocabulary rate.
- :func:`analogy` — accuracy on the word2vec analogy questions (``questions-words.txt``) with a
  vocabulary restricted to the most frequent words, as fastText's and gensim's evaluations do.
- :func:`compare` — how close a shrunk (quantized, pruned, reduced) model stays to its original:
  mean cosine between their vectors and the change of the scores above.
- :func:`spearman`, :func:`rankdata`, :func:`normalize` — the pieces, usable on their own.

Every function takes a sentvec model, and also works with an official ``fasttext`` model (it
only needs ``get_words``, ``get_word_vector`` and ``get_sentence_vector``).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

__all__ = [
    "AnalogyResult",
    "Comparison",
    "StsResult",
    "WordSimResult",
    "analogy",
    "compare",
    "normalize",
    "rankdata",
    "read_sts",
    "spearman",
    "sts",
    "word_similarity",
]

PathLike = Union[str, os.PathLike]

# ------------------------------------------------------------------------------------ text

_TOKEN = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})


def normalize(text: str) -> str:
    """The normalization of the shared English corpora (data README, "normalized").

    Unicode NFKC, lowercase, typographic apostrophes and hyphens made ASCII, then only the
    tokens ``[^\\W_]+(?:['-][^\\W_]+)*`` kept, joined by single spaces.

    >>> normalize('It\u2019s a well-known fact -- "3.5%" of U.S. caf\u00e9 e-mail')
    "it's a well-known fact 3 5 of u s caf\u00e9 e-mail"
    """
    t = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
    return " ".join(_TOKEN.findall(t))


# ------------------------------------------------------------------------------ statistics


def rankdata(values: Sequence[float]) -> np.ndarray:
    """1-based ranks; tied values share the average of the ranks they span."""
    a = np.asarray(values, dtype=np.float64).ravel()
    if np.isnan(a).any():
        raise ValueError("cannot rank NaN values")
    n = a.size
    order = np.argsort(a, kind="mergesort")
    sa = a[order]
    new_group = np.empty(n, dtype=bool)
    if n:
        new_group[0] = True
        new_group[1:] = sa[1:] != sa[:-1]
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], n)
    mean_rank = (starts + ends + 1) / 2.0  # average of the 1-based ranks starts+1 .. ends
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = mean_rank[np.cumsum(new_group) - 1]
    return ranks


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    den = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / den) if den > 0 else float("nan")


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson correlation of average ranks); NaN when either
    side is constant or has fewer than two values."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length ({xa.size} != {ya.size})")
    if xa.size < 2:
        return float("nan")
    return _pearson(rankdata(xa), rankdata(ya))


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine; 0 where either vector is zero (an empty or all-unknown sentence)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    den = na * nb
    dots = (a * b).sum(axis=1)
    out = np.zeros(len(a))
    ok = den > 0
    out[ok] = dots[ok] / den[ok]
    return out


# ----------------------------------------------------------------------------- model access


def _sentence_vectors(model: Any, sentences: list[str], threads: int | None) -> np.ndarray:
    if hasattr(model, "embed_sentences"):
        return np.asarray(model.embed_sentences(sentences, threads=threads))
    return np.stack([model.get_sentence_vector(s) for s in sentences]) if sentences else np.zeros((0, 0))


def _word_list(model: Any) -> list[str]:
    return list(model.get_words())


def _word_vectors(model: Any, words: list[str]) -> np.ndarray:
    if not words:
        return np.zeros((0, model.get_dimension()), dtype=np.float32)
    if hasattr(model, "get_word_vectors"):
        return np.asarray(model.get_word_vectors(words), dtype=np.float32)
    return np.stack([model.get_word_vector(w) for w in words]).astype(np.float32)


# ------------------------------------------------------------------------------------- STS


@dataclass
class StsResult:
    """Result of :func:`sts`."""

    spearman: float  #: Spearman correlation of cosine and gold score
    pearson: float  #: Pearson correlation of cosine and gold score
    n: int  #: number of sentence pairs
    cosines: np.ndarray = field(repr=False)  #: cosine of each pair, in file order
    gold: np.ndarray = field(repr=False)  #: gold score of each pair


def read_sts(path: PathLike) -> tuple[np.ndarray, list[str], list[str]]:
    """Read a ``score<TAB>sentence1<TAB>sentence2`` file: (scores, sentences1, sentences2)."""
    scores, s1, s2 = [], [], []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 3:
                raise ValueError(f"{os.fspath(path)}:{i}: expected 'score<TAB>sentence1<TAB>sentence2'")
            try:
                scores.append(float(parts[0]))
            except ValueError:
                raise ValueError(f"{os.fspath(path)}:{i}: score {parts[0]!r} is not a number") from None
            s1.append(parts[1])
            s2.append(parts[2])
    return np.array(scores, dtype=np.float64), s1, s2


def sts(model: Any, path: PathLike, normalize_text: bool = True, threads: int | None = None) -> StsResult:
    """Score sentence embeddings on an STS file.

    Parameters
    ----------
    model
        A sentvec model (sentence vectors by ``embed_sentences``) or any object with
        ``get_sentence_vector``.
    path : str or os.PathLike
        ``score<TAB>sentence1<TAB>sentence2`` per line (``stsb-dev.tsv``).
    normalize_text : bool
        Apply :func:`normalize` to each sentence first (as the training corpus was).
    threads : int, optional
        Threads for ``embed_sentences``.
    """
    gold, s1, s2 = read_sts(path)
    if normalize_text:
        s1 = [normalize(s) for s in s1]
        s2 = [normalize(s) for s in s2]
    v = _sentence_vectors(model, s1 + s2, threads)
    cos = _cosines(v[: len(s1)], v[len(s1) :])
    return StsResult(spearman(cos, gold), _pearson(cos, gold) if len(gold) > 1 else float("nan"),
                     len(gold), cos, gold)


# ------------------------------------------------------------------------- word similarity


@dataclass
class WordSimResult:
    """Result of :func:`word_similarity`."""

    spearman: float  #: Spearman correlation on the pairs evaluated
    pearson: float  #: Pearson correlation on the pairs evaluated
    n: int  #: pairs evaluated
    n_total: int  #: pairs in the file
    oov_rate: float  #: share of pairs with a word outside the vocabulary
    oov_pairs: int  #: pairs with a word outside the vocabulary


def _read_pairs(path: PathLike) -> list[tuple[str, str, float]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                raise ValueError(f"{os.fspath(path)}:{i}: expected 'word1<TAB>word2<TAB>score'")
            out.append((parts[0], parts[1], float(parts[2])))
    return out


def word_similarity(
    model: Any, path: PathLike, lowercase: bool = True, oov: str = "skip"
) -> WordSimResult:
    """Spearman correlation between word-vector cosines and human similarity scores.

    Parameters
    ----------
    model
        A model with ``get_words`` and ``get_word_vector``.
    path : str or os.PathLike
        ``word1<TAB>word2<TAB>score`` per line (``ws353.tsv``).
    lowercase : bool
        Lowercase the words of the file first (the shared corpora are lowercased).
    oov : {"skip", "vector"}
        A pair with a word outside the model's vocabulary is left out (``"skip"``, as gensim
        does), or scored with the vector the model composes for it (``"vector"``: character
        n-grams in fastText; zeros, hence cosine 0, when it has none). The OOV rate is reported
        either way.
    """
    if oov not in ("skip", "vector"):
        raise ValueError(f"oov must be 'skip' or 'vector' (got {oov!r})")
    pairs = _read_pairs(path)
    vocab = set(_word_list(model))
    keep, gold, n_oov = [], [], 0
    for a, b, score in pairs:
        if lowercase:
            a, b = a.lower(), b.lower()
        missing = a not in vocab or b not in vocab
        n_oov += missing
        if missing and oov == "skip":
            continue
        keep.append((a, b))
        gold.append(score)
    va = _word_vectors(model, [a for a, _ in keep])
    vb = _word_vectors(model, [b for _, b in keep])
    cos = _cosines(va, vb) if keep else np.zeros(0)
    g = np.array(gold)
    return WordSimResult(
        spearman(cos, g),
        _pearson(cos, g) if len(g) > 1 else float("nan"),
        len(keep),
        len(pairs),
        n_oov / len(pairs) if pairs else float("nan"),
        n_oov,
    )


# ---------------------------------------------------------------------------------- analogy


@dataclass
class AnalogyResult:
    """Result of :func:`analogy`."""

    accuracy: float  #: correct / evaluated
    correct: int
    evaluated: int  #: questions whose four words are all in the restricted vocabulary
    total: int  #: questions in the file
    sections: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)  #: name -> (correct, evaluated)

    @property
    def coverage(self) -> float:
        return self.evaluated / self.total if self.total else float("nan")


def analogy(
    model: Any,
    path: PathLike,
    restrict_vocab: int | None = 300000,
    lowercase: bool = True,
    chunk: int = 256,
) -> AnalogyResult:
    """Accuracy on ``a b c d`` analogy questions (``a`` is to ``b`` as ``c`` is to ``d``).

    The answer is the word of the restricted vocabulary (the ``restrict_vocab`` most frequent
    words, all when None) with the highest cosine to ``b - a + c`` (unit vectors), ``a``, ``b``
    and ``c`` excluded. Questions with a word outside the restricted vocabulary are not
    evaluated (as in gensim's ``evaluate_word_analogies`` and fastText's eval script); lines that
    start with ``:`` name a section.
    """
    words = _word_list(model)
    if restrict_vocab is not None:
        words = words[: int(restrict_vocab)]
    index: dict[str, int] = {}
    for i, w in enumerate(words):
        index.setdefault(w.lower() if lowercase else w, i)
    vecs = _word_vectors(model, words)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    unit = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)

    questions: list[tuple[str, int, int, int, int]] = []
    sections: dict[str, tuple[int, int]] = {}
    section, total = "", 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(":"):
                section = line[1:].strip()
                sections.setdefault(section, (0, 0))
                continue
            parts = line.split()
            if len(parts) != 4:
                continue
            total += 1
            if lowercase:
                parts = [p.lower() for p in parts]
            ids = [index.get(p, -1) for p in parts]
            if min(ids) < 0:
                continue
            questions.append((section, *ids))
    correct = 0
    counts = {s: [0, 0] for s in sections}
    for s0 in range(0, len(questions), chunk):
        qs = questions[s0 : s0 + chunk]
        a = np.array([q[1] for q in qs])
        b = np.array([q[2] for q in qs])
        c = np.array([q[3] for q in qs])
        d = np.array([q[4] for q in qs])
        query = unit[b] - unit[a] + unit[c]
        sims = query @ unit.T
        rows = np.arange(len(qs))
        for excl in (a, b, c):
            sims[rows, excl] = -np.inf
        hit = sims.argmax(axis=1) == d
        correct += int(hit.sum())
        for q, h in zip(qs, hit):
            cs = counts.setdefault(q[0], [0, 0])
            cs[0] += int(h)
            cs[1] += 1
    evaluated = len(questions)
    return AnalogyResult(
        correct / evaluated if evaluated else float("nan"),
        correct,
        evaluated,
        total,
        {s: (c[0], c[1]) for s, c in counts.items()},
    )


# --------------------------------------------------------------------------------- compare


@dataclass
class Comparison:
    """:func:`compare`'s result. A score that was not asked for is NaN."""

    word_cosine: float  #: mean cosine between the two models' vectors of the words
    sentence_cosine: float  #: mean cosine between the two models' vectors of the sentences
    n_words: int
    n_sentences: int
    wordsim: tuple[float, float] = (float("nan"), float("nan"))  #: Spearman (original, shrunk)
    sts: tuple[float, float] = (float("nan"), float("nan"))  #: Spearman (original, shrunk)

    @property
    def wordsim_change(self) -> float:
        """Shrunk minus original word-similarity Spearman."""
        return self.wordsim[1] - self.wordsim[0]

    @property
    def sts_change(self) -> float:
        """Shrunk minus original STS Spearman."""
        return self.sts[1] - self.sts[0]

    def __str__(self) -> str:
        lines = [f"mean cosine, original vs shrunk: words {self.word_cosine:.4f} (n={self.n_words}), "
                 f"sentences {self.sentence_cosine:.4f} (n={self.n_sentences})"]
        for name, (a, b) in (("word similarity", self.wordsim), ("STS", self.sts)):
            if not (np.isnan(a) and np.isnan(b)):
                lines.append(f"{name} Spearman: original {a:.4f}, shrunk {b:.4f}, change {b - a:+.4f}")
        return "\n".join(lines)


_sts_score = sts  # compare() takes a parameter named sts


def eval_file_kind(path: PathLike) -> str:
    """``"sts"`` for a ``score<TAB>sentence<TAB>sentence`` file, ``"wordsim"`` for a
    ``word<TAB>word<TAB>score`` one (told apart by where the number is on the first data line)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or line.startswith("#"):
                continue
            for kind, field_ in (("sts", parts[0]), ("wordsim", parts[-1])):
                try:
                    float(field_)
                    return kind
                except ValueError:
                    pass
    raise ValueError(f"{os.fspath(path)}: neither an STS (score, sentence, sentence) nor a word-similarity "
                     "(word, word, score) file")


def _mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(_cosines(a, b).mean()) if len(a) else float("nan")


def compare(
    original: Any,
    shrunk: Any,
    words: Sequence[str] | None = None,
    sentences: Sequence[str] | None = None,
    wordsim: PathLike | None = None,
    sts: PathLike | None = None,
    threads: int | None = None,
) -> Comparison:
    """How close ``shrunk`` (quantized, pruned, reduced) stays to ``original``.

    Parameters
    ----------
    original, shrunk
        Two models of the same dimension (``reduce_dim`` changes it: the cosines are then NaN,
        the score changes are still given).
    words : sequence of str, optional
        Words whose vectors are compared (default: the original's first 10000 words, the most
        frequent). Out-of-vocabulary words are compared too (their n-gram vectors).
    sentences : sequence of str, optional
        Sentences whose vectors are compared (default: none).
    wordsim : path, optional
        A ``word1<TAB>word2<TAB>score`` file: Spearman of both models (``oov="vector"``, so
        that both score the same pairs however many words the shrunk model dropped).
    sts : path, optional
        An STS-B file: Spearman of both models.

    Returns
    -------
    Comparison
        The mean cosines (a zero vector counts as cosine 0) and the scores.
    """
    if words is None:
        words = list(original.get_words())[:10000]
    words = list(words)
    sentences = list(sentences or [])
    same_dim = original.get_dimension() == shrunk.get_dimension()
    wc = sc = float("nan")
    if same_dim:
        wc = _mean_cosine(_word_vectors(original, words), _word_vectors(shrunk, words))
        if sentences:
            sc = _mean_cosine(_sentence_vectors(original, sentences, threads),
                              _sentence_vectors(shrunk, sentences, threads))
    out = Comparison(wc, sc, len(words), len(sentences))
    if wordsim is not None:
        out.wordsim = (word_similarity(original, wordsim, oov="vector").spearman,
                       word_similarity(shrunk, wordsim, oov="vector").spearman)
    if sts is not None:
        out.sts = (_sts_score(original, sts, threads=threads).spearman,
                   _sts_score(shrunk, sts, threads=threads).spearman)
    return out
