"""The model object: fastText's Python API over the C++ core."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Callable

import numpy as np

from . import _core
from ._documents import check_on_newline, join_lines, mean_predictions, mean_rows, split_lines
from ._fasttext_f import FastTextF
from ._pickle import ModelFileChangedError, pickle_state, stable_identity, unpickle  # noqa: F401 (re-exported)
from ._reduce import pca_reduce
from ._util import check_errors, check_int, check_str, check_threads, fspath
from .meter import Meter


def tokenize(text: str) -> list[str]:
    """fastText's tokenizer: split on space, tab, vertical tab, form feed, carriage return and NUL;
    each newline becomes the end-of-sentence token ``</s>`` (in C++: the tokenizer training uses)."""
    return _core.tokenize(text)


# The options the official ``_FastText.set_args`` copies onto the model object.
_FASTTEXT_ARG_NAMES = (
    "lr", "dim", "ws", "epoch", "minCount", "minCountLabel", "minn", "maxn", "neg", "wordNgrams",
    "loss", "bucket", "thread", "lrUpdateRate", "t", "label", "verbose", "pretrainedVectors",
)


def _check_k(k: Any) -> int:
    """fastText's k for predict/test: >= 1, or -1 for every label."""
    k = check_int(k, "k")
    if k == -1:
        return 2**31 - 1
    if k < 1:
        raise ValueError(f"k must be >= 1, or -1 for every label (got {k})")
    return min(k, 2**31 - 1)


def load_model(path: str | os.PathLike, mmap: bool = False) -> Model:
    """Load a fastText (.bin v11/v12, .ftz, pre-2017) or sent2vec model.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    mmap : bool
        Map the file read-only instead of copying the matrices: many processes then share one
        copy through the page cache, and loading takes the time of parsing the dictionary.

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        The file cannot be opened.
    sentvec.FormatError
        The file is not a model (the message says what was expected and at which byte).
    MemoryError
        ``mmap=False`` and the matrices do not fit in the memory this process may still use.
    """
    p = fspath(path, "path")
    if not isinstance(mmap, bool):
        raise TypeError(f"mmap must be a bool, not {type(mmap).__name__}")
    core, source = stable_identity(p, mmap, lambda: _core.Model.load(p, mmap))
    model = Model(core)
    model._source = source  # pickled by this identity; None (set by quantize) pickles as bytes
    return model


def _unpickle(kind: str, payload: Any) -> Model:
    return unpickle(kind, payload, load_model, Model)


class Model:
    """A fastText / sent2vec model with the official ``fasttext`` package's methods.

    A model pickles (and ``copy.deepcopy``-s) cheaply: one loaded from a file as the file's path
    and identity (size, mtime, a checksum of its first 64 KiB) and ``mmap``, so unpickling loads or
    maps the same file again and raises ``FileNotFoundError`` or ``ModelFileChangedError`` (a
    ``ValueError``) when it is missing or has changed; a model trained or quantized in memory
    pickles as its saved bytes. Writes made through a writable matrix view of a model loaded
    without ``mmap`` are not in its file, so its pickle does not carry them: save it first.

    Also available as ``sentvec.FastText._FastText`` (the official class name). Build one with
    ``load_model`` or the training functions; ``Model(path)`` loads a file as
    ``fasttext.FastText._FastText(model_path=path)`` does.

    ``f`` is an object with the official ``_FastText.f`` method names (``getArgs``,
    ``getInputMatrix``, ``predict`` returning (probability, label) pairs, ...) for code written
    against fastText's pybind layer; it also exposes sentvec's core attributes (``nwords``, ...).
    """

    _source = None  # the file identity this model pickles by, when it is that file's content

    def __init__(self, model_path: str | os.PathLike | _core.Model | None = None, args: Any = None):
        if isinstance(model_path, _core.Model):
            core = model_path
        elif model_path is not None:
            core = _core.Model.load(fspath(model_path, "model_path"), False)
        else:
            raise TypeError("Model() needs a model_path (or use sentvec.load_model / train_supervised / "
                            "train_unsupervised); an empty model has nothing to query")
        self._set_core(core)
        self.f = FastTextF(self, tokenize)
        self.set_args(args)

    def _set_core(self, core: _core.Model) -> None:
        self._core = core
        self._source = None  # load_model sets the file identity after this
        self._args = core.args()
        for name, value in self._args.items():
            if not hasattr(type(self), name):
                setattr(self, name, value)
        for cache in ("_words_cache", "_labels_cache"):
            self.__dict__.pop(cache, None)

    def set_args(self, args: Any = None) -> None:
        """Copy fastText's training options from an args object (as the official ``set_args``)."""
        if args is None:
            return
        for name in _FASTTEXT_ARG_NAMES:
            if hasattr(args, name):
                setattr(self, name, getattr(args, name))

    def __reduce__(self):
        return _unpickle, pickle_state(self)

    # ------------------------------------------------------------------ description
    def __repr__(self) -> str:
        a = self._args
        return (
            f"<sentvec.Model {a['model']} dim={a['dim']} words={self._core.nwords} labels={self._core.nlabels}"
            f"{' quantized' if self._core.quantized else ''}{' float16' if self._core.float16 else ''}"
            f"{' mmap' if self._core.mapped else ''}>"
        )

    def get_dimension(self) -> int:
        """Dimension of the vectors."""
        return self._core.dim

    def is_quantized(self) -> bool:
        """True for a quantized (.ftz) model."""
        return self._core.quantized

    def is_float16(self) -> bool:
        """True when the input matrix is stored as float16 (:meth:`to_float16`)."""
        return self._core.float16

    @property
    def mapped(self) -> bool:
        """True when the matrices are views over a read-only file mapping."""
        return self._core.mapped

    @property
    def args(self) -> dict[str, Any]:
        """The model's options (those stored in the file, defaults for the rest)."""
        return dict(self._args)

    # ------------------------------------------------------------------ dictionary
    def get_words(self, include_freq: bool = False, on_unicode_error: str = "strict"):
        """Words of the dictionary (labels excluded), most frequent first."""
        words, freqs = self._core.entries(False, check_errors(on_unicode_error))
        return (words, freqs) if include_freq else words

    def get_labels(self, include_freq: bool = False, on_unicode_error: str = "strict"):
        """Labels of a supervised model; the words for other models (as fastText does)."""
        if self._args["model"] != "supervised":
            return self.get_words(include_freq, on_unicode_error)
        labels, freqs = self._core.entries(True, check_errors(on_unicode_error))
        return (labels, freqs) if include_freq else labels

    @property
    def words(self) -> list[str]:
        if not hasattr(self, "_words_cache"):
            self._words_cache = self.get_words()
        return self._words_cache

    @property
    def labels(self) -> list[str]:
        if not hasattr(self, "_labels_cache"):
            self._labels_cache = self.get_labels()
        return self._labels_cache

    def get_word_id(self, word: str) -> int:
        """Index of a word in the dictionary, -1 when absent."""
        return self._core.get_word_id(check_str(word, "word"))

    def get_label_id(self, label: str) -> int:
        return self._core.get_label_id(check_str(label, "label"))

    def get_subwords(self, word: str, on_unicode_error: str = "strict") -> tuple[list[str], np.ndarray]:
        """The word (if known) and its character n-grams, with their input-matrix rows."""
        subs, ids = self._core.get_subwords(check_str(word, "word"), check_errors(on_unicode_error))
        return subs, ids.astype(np.int64)  # int64, as the official package returns them

    def get_subword_id(self, subword: str) -> int:
        """The input-matrix row that ``subword`` hashes to (``nwords + hash % bucket``), as the
        official ``get_subword_id``: the string is hashed as given, so pass ``"<ab"`` for the
        n-gram at the start of a word. For a pruned (quantized) model the row is remapped as in
        ``get_subwords`` (-1 when pruned away), where fastText returns a row past the matrix.

        Raises
        ------
        ValueError
            The model has no subword buckets (``bucket == 0``), where fastText divides by zero.
        """
        return _core.subword_id(self._core, check_str(subword, "subword"))

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._core.get_word_id(word) >= 0 and self._core.get_word_id(word) < self._core.nwords

    def __getitem__(self, word: str) -> np.ndarray:
        return self.get_word_vector(word)

    # ------------------------------------------------------------------ vectors
    def get_word_vector(self, word: str) -> np.ndarray:
        """Average of the word's rows (its own and its character n-grams); OOV words use n-grams."""
        return self._core.word_vector(check_str(word, "word"))

    def get_word_vectors(self, words: Sequence[str], threads: int | None = None) -> np.ndarray:
        """``get_word_vector`` for many words: an array of shape (len(words), dim)."""
        return self._core.word_vectors(list(words), check_threads(threads))

    def get_sentence_vector(self, text: str) -> np.ndarray:
        """Vector of one line of text, by the rule of the model's kind (fastText or sent2vec)."""
        return self._core.sentence_vector(text)  # one line: checked in C++

    def embed_sentences(self, sentences: Sequence[str], threads: int | None = None,
                        on_newline: str = "error") -> np.ndarray:
        """Sentence vectors of many lines, computed in C++ on threads: shape (n, dim).

        ``on_newline`` says what a newline inside an item means: ``"error"`` (fastText's rule: one
        line per item), ``"join"`` (the item is one line) or ``"split"`` (the mean of its lines'
        vectors; see :mod:`sentvec._documents`).
        """
        sentences = list(sentences)
        if check_on_newline(on_newline) == "join":
            sentences = join_lines(sentences, "sentences")
        elif on_newline == "split":
            lines, starts = split_lines(sentences, "sentences")
            return mean_rows(self._core.embed_sentences(lines, check_threads(threads)), starts).astype(np.float32)
        return self._core.embed_sentences(sentences, check_threads(threads))  # one line each: checked in C++

    def embed_file(
        self,
        path: str | os.PathLike,
        out_path: str | os.PathLike,
        threads: int | None = None,
        chunk_bytes: int = 1 << 22,
        mmap_mode: str | None = "r",
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray | None:
        """Sentence vectors of every line of a text file, streamed into a ``.npy`` file.

        Row i is ``get_sentence_vector(line i)`` (an empty line gives zeros). The file is read in
        chunks of ``chunk_bytes`` and embedded in C++ on ``threads`` threads, so no sentence list
        is held in Python; the output is written atomically (temporary file, then rename), or in
        place when ``out_path`` is a device or FIFO. ``progress(rows, bytes_read)``, when given, is
        called after each chunk.

        Returns
        -------
        numpy.ndarray or None
            The written array, opened with ``np.load(out_path, mmap_mode=mmap_mode)``; None when
            the target was a device or FIFO (there is no file to open).
        """
        from ._embed import embed_file

        src, dst = fspath(path, "path"), fspath(out_path, "out_path")
        chunk = check_int(chunk_bytes, "chunk_bytes", 1)
        _, in_place = embed_file(self._core, src, dst, check_threads(threads), chunk, progress)
        return None if in_place else np.load(dst, mmap_mode=mmap_mode)

    def embed_to_npy(self, batches, out_path: str | os.PathLike, threads: int | None = None,
                     on_newline: str = "error", progress: Callable[[int], None] | None = None) -> int:
        """Sentence vectors of a stream of texts, written to a ``.npy`` file as they come.

        ``batches`` is an iterable of lists of texts (e.g. read from a compressed or JSON-lines
        file); each list is embedded with :meth:`embed_sentences` (``threads``, ``on_newline``)
        and appended, so memory holds one batch. The file is written atomically, as by
        :meth:`embed_file`. ``progress(rows)`` is called after each batch. Returns the row count.
        """
        from ._embed import embed_batches

        dst = fspath(out_path, "out_path")
        check_on_newline(on_newline)
        check_threads(threads)
        rows, _ = embed_batches(lambda b: self.embed_sentences(b, threads=threads, on_newline=on_newline),
                                batches, dst, self.get_dimension(), progress=progress)
        return rows

    def get_input_matrix(self, copy: bool = False) -> np.ndarray:
        """The input matrix, shape (rows, dim), float32.

        Unlike the official package, which returns a copy, this is a view (no copy of a matrix
        that may be gigabytes): writing into it changes the model, and it is read-only when the
        model is mapped. ``copy=True`` returns an independent, writable copy as fastText does.

        A float16 model (:meth:`to_float16`) gives a read-only ``float16`` view of its stored
        rows (``copy=True``: a writable float16 copy); ``.astype(np.float32)`` gives the values
        inference uses.

        Raises
        ------
        ValueError
            The model is quantized (as fastText: a quantized matrix has no dense form).
        """
        a = self._core.input_matrix()
        return np.array(a) if copy else a

    def get_output_matrix(self, copy: bool = False) -> np.ndarray:
        """The output matrix (labels x dim for supervised models, words x dim otherwise): a
        view, or with ``copy=True`` a copy as fastText returns (see ``get_input_matrix``)."""
        a = self._core.output_matrix()
        return np.array(a) if copy else a

    def set_matrices(self, input_matrix: np.ndarray, output_matrix: np.ndarray) -> None:
        """Replace the input and output matrices, as the official ``set_matrices``.

        Both arrays are copied (as float32). Their row counts must equal the current ones and
        their column counts each other's; the dimension may change (``sentvec.util.reduce_model``
        uses this). On a mapped model the matrices become owned copies and the file is never
        written: the model is no longer ``mapped``. Views returned earlier stay valid and keep
        the old values. Do not query the model from other threads meanwhile.

        Raises
        ------
        ValueError
            A shape does not fit (fastText does not check and later reads out of bounds), or
            the model is quantized.
        MemoryError
            The copies do not fit in memory.
        """
        _core.set_matrices(self._core, input_matrix, output_matrix)
        self._source = None  # no longer the file's content: pickles as bytes
        self._args = self._core.args()
        self.dim = self._args["dim"]

    @property
    def input_matrix(self) -> np.ndarray:
        return self._core.input_matrix()

    @property
    def output_matrix(self) -> np.ndarray:
        return self._core.output_matrix()

    # ------------------------------------------------------------------ neighbours
    def get_nearest_neighbors(self, word: str, k: int = 10, on_unicode_error: str = "strict"):
        """The k words with the highest cosine to ``word``: a list of (score, word)."""
        check_str(word, "word")
        k = min(check_int(k, "k", 1), 2**31 - 1)
        q = self._core.word_vector(word)
        return self._core.nearest(q, k, [word], check_errors(on_unicode_error))

    def get_analogies(self, wordA: str, wordB: str, wordC: str, k: int = 10, on_unicode_error: str = "strict"):
        """Words closest to A - B + C (each term normalized): a list of (score, word)."""
        for name, w in (("wordA", wordA), ("wordB", wordB), ("wordC", wordC)):
            check_str(w, name)
        k = min(check_int(k, "k", 1), 2**31 - 1)
        q = np.zeros(self._core.dim, dtype=np.float32)
        for w, sign in ((wordA, 1.0), (wordB, -1.0), (wordC, 1.0)):
            v = self._core.word_vector(w)
            q += np.float32(sign / (np.linalg.norm(v) + 1e-8)) * v
        return self._core.nearest(q, k, [wordA, wordB, wordC], check_errors(on_unicode_error))

    # ------------------------------------------------------------------ classification
    def _require_supervised(self, what: str) -> None:
        if self._args["model"] != "supervised":
            raise ValueError(f"{what} needs a supervised model; this one is {self._args['model']}")

    def predict(self, text, k: int = 1, threshold: float = 0.0, on_unicode_error: str = "strict",
                threads: int | None = None, on_newline: str = "error"):
        """Most likely labels of one line (a tuple of labels, a float64 array of probabilities)
        or of a list of lines (a list of label lists, a list of float32 arrays), as the official
        package returns. ``k=-1`` gives every label (those with probability >= ``threshold``).

        ``on_newline``: ``"error"`` (fastText's rule: a text is one line), ``"join"`` (a document
        is scored as one line) or ``"split"`` (its lines' label probabilities are averaged; see
        :mod:`sentvec._documents`).
        """
        self._require_supervised("predict")
        k = _check_k(k)
        threshold = float(threshold)
        errors = check_errors(on_unicode_error)
        if check_on_newline(on_newline) != "error":
            return self._predict_documents(text, k, threshold, errors, check_threads(threads), on_newline)
        if isinstance(text, (list, tuple)):  # every item one line: checked in C++
            return self._core.predict_batch(text, k, threshold, errors, check_threads(threads))
        labels, probs = self._core.predict(text, k, threshold, errors)
        return labels, probs.astype(np.float64)

    def _predict_documents(self, text, k: int, threshold: float, errors: str, threads: int, on_newline: str):
        docs = list(text) if isinstance(text, (list, tuple)) else [check_str(text, "text")]
        if on_newline == "join":
            labels, probs = self._core.predict_batch(join_lines(docs, "text"), k, threshold, errors, threads)
        else:
            lines, starts = split_lines(docs, "text")
            every = self._core.predict_batch(lines, 2**31 - 1, 0.0, errors, threads)
            labels, probs = mean_predictions(*every, starts, self.get_labels(on_unicode_error=errors), k, threshold)
        if isinstance(text, (list, tuple)):
            return labels, probs
        return tuple(labels[0]), probs[0].astype(np.float64)  # one text: float64, as predict(str)

    def test(self, path: str | os.PathLike, k: int = 1, threshold: float = 0.0) -> tuple[int, float, float]:
        """(number of examples, precision@k, recall@k) on a labelled file."""
        self._require_supervised("test")
        n, (gold, predicted, pg), _ = self._core.test(fspath(path), _check_k(k), float(threshold))
        precision = pg / predicted if predicted else float("nan")
        recall = pg / gold if gold else float("nan")
        return n, precision, recall

    def test_label(self, path: str | os.PathLike, k: int = 1, threshold: float = 0.0) -> dict[str, dict[str, float]]:
        """Per-label precision, recall and F1 on a labelled file."""
        self._require_supervised("test_label")
        _, _, per = self._core.test(fspath(path), _check_k(k), float(threshold))
        labels = self.get_labels()
        out = {}
        for label, (gold, predicted, pg) in zip(labels, per):
            p = pg / predicted if predicted else float("nan")
            r = pg / gold if gold else float("nan")
            f1 = 2 * pg / (predicted + gold) if predicted + gold else float("nan")
            out[label] = {"precision": p, "recall": r, "f1score": f1}
        return out

    def get_meter(self, path: str | os.PathLike, k: int = -1) -> Meter:
        """fastText's meter on a labelled file with the top ``k`` predictions of each line
        (``-1``: every label): per-label precision, recall and F1, the precision-recall
        curve, precision at a recall and recall at a precision (see ``sentvec.meter.Meter``)."""
        self._require_supervised("get_meter")
        k = check_int(k, "k")
        if k == -1:
            k = 2**31 - 1
        elif k < 1:
            raise ValueError(f"k must be >= 1, or -1 for every label (got {k})")
        return Meter(self, _core.meter(self._core, fspath(path), k, 0.0))

    def get_input_vector(self, ind: int) -> np.ndarray:
        """Row ``ind`` of the input matrix (a copy), as fastText's ``get_input_vector``."""
        ind = check_int(ind, "ind", 0)
        rows = self._core.input_rows
        if ind >= rows:
            raise ValueError(f"ind must be < {rows}, the number of input rows (got {ind})")
        if self._core.quantized:
            raise ValueError("the input matrix of this model is quantized: it has no dense rows")
        return np.array(self._core.input_matrix()[ind], dtype=np.float32)

    def get_line(self, text, on_unicode_error: str = "strict"):
        """Split a line into (words, labels) as fastText reads it: every word token (unknown ones
        too) and "</s>" in words, the labels of the dictionary in labels. A list of lines gives
        (list of word lists, list of label lists)."""
        check_errors(on_unicode_error)
        return self._core.get_line(text)  # fastText's getLine, in C++

    def quantize(
        self,
        input: str | os.PathLike | None = None,
        qout: bool = False,
        cutoff: int = 0,
        retrain: bool = False,
        epoch: int | None = None,
        lr: float | None = None,
        thread: int | None = None,
        verbose: int | None = None,
        dsub: int = 2,
        qnorm: bool = False,
        seed: int | None = None,
    ) -> Model:
        """Quantize a model in place: as the official ``fasttext`` package for supervised models,
        and for skipgram, cbow and sent2vec models too (official fastText refuses those).

        The input matrix (word rows and n-gram rows; the output matrix too with ``qout``) is
        product-quantized: sub-vectors of ``dsub`` values, 256 centroids each, trained with
        k-means on a bounded sample of rows; ``qnorm`` quantizes the row norms separately. In
        skipgram and cbow models with character n-grams each word row is then encoded again
        from what the word's vector needs given its *quantized* n-gram rows, so a word's vector
        carries only its own row's quantization error (divided by its number of rows) rather
        than the sum of all its rows' errors; an out-of-vocabulary word's vector, the mean of
        quantized n-gram rows, is not affected.
        ``save_model`` then writes a ``.ftz`` file, which ``load_model(path, mmap=True)`` maps
        (codes are views into the file, not copies).

        ``cutoff > 0``: supervised models keep the ``cutoff`` input rows of largest L2 norm
        (fastText's rule). Word and sentence models keep the ``cutoff`` most frequent words and
        the character n-gram rows those words use (fastText's pruned index): any other n-gram
        row is dropped, so an out-of-vocabulary word gets the average of those of its n-grams
        that a kept word also has (zeros when none; ``prune(buckets=...)`` first degrades more
        gently). A sent2vec model's word n-gram rows belong to no word and are all kept.
        ``cutoff=0`` (fastText's default) keeps everything.

        ``retrain=True`` trains the pruned model on ``input`` for ``epoch`` epochs from rate ``lr``
        (defaults: the model's options) before quantizing. The model changes in place (and is
        returned): do not query it from other threads meanwhile. k-means is seeded (``seed``;
        ``None``: the model's seed): without ``retrain`` the result is the same for any
        ``thread``. A mapped model is read row by row, never copied whole.

        Raises
        ------
        ValueError
            The model is already quantized, ``seed < 0``, ``dsub < 1`` (for word and sentence models: ``dsub``
            does not divide the dimension), ``cutoff < 0``, or a matrix to quantize would have
            fewer than 256 rows (``qout`` needs >= 256 labels, or words).
        MemoryError
            The codes and the k-means sample do not fit the memory this process may use.
        FloatingPointError
            ``retrain=True`` and retraining diverged (lower ``lr``).
        """
        _core.quantize(self._core, input, qout, cutoff, retrain, epoch, lr, thread, verbose, dsub, qnorm, seed)
        self._changed()
        return self  # fastText returns None; the model allows chaining after prune/reduce_dim

    def _changed(self) -> None:
        for cache in ("_words_cache", "_labels_cache"):
            self.__dict__.pop(cache, None)
        self._source = None  # no longer the file's content: pickles as bytes

    def prune(self, words: int | None = None, buckets: int | None = None) -> Model:
        """Keep the ``words`` most frequent words and re-hash the n-gram rows into ``buckets``
        rows, in place; returns the model (``m.prune(...).reduce_dim(...).quantize(...)``).

        Character n-gram rows: every n-gram string of the original vocabulary (dropped words
        included) is hashed into the new buckets; a new row is the average of the old rows its
        strings came from, weighted by the number of vocabulary words that contain each string.
        An out-of-vocabulary word, a dropped word included, then still finds a row for each of
        its n-grams, and its vector (the mean of those rows) degrades with the collisions instead
        of losing n-grams; ``buckets=0`` leaves it a zero vector. A kept word keeps its vector:
        its own row is set so that the mean of its rows under the new hashing (own row and
        n-gram rows, an n-gram that occurs twice counted twice) is its original vector again, up
        to float rounding (for supervised models, its sum of rows stays; sent2vec keeps its
        word rows as they are, since its sentence vectors use them alone).
        Word n-gram rows (sent2vec, supervised ``wordNgrams > 1``) have no strings to
        re-hash: ``buckets`` must then divide the model's bucket count and new row ``j`` is the
        average of old rows ``b`` with ``b % buckets == j``, weighted by their squared norm.
        ``buckets=0`` drops every n-gram row. ``None`` keeps the words / the buckets. Kept
        words keep their ids (the dictionary is sorted by count). A mapped model is read once,
        row by row; the pruned matrices are in memory afterwards (``mapped`` becomes False).

        Raises
        ------
        ValueError
            ``words < 1``, ``buckets < 0`` or more than the model's bucket, a ``buckets`` that does
            not divide the bucket count of a model with word n-grams, or a quantized model.
        MemoryError
            The pruned matrices do not fit the memory this process may use.
        """
        _core.prune(self._core, words, buckets)
        self._changed()
        return self

    def reduce_dim(self, dim: int) -> Model:
        """Reduce the dimension to ``dim`` by a PCA of the input matrix, in place; returns the
        model. The same PCA as :func:`sentvec.util.reduce_model` (one implementation, _reduce.py): principal
        directions of the first 100000 rows, read in blocks (a mapped model is never copied).

        Raises
        ------
        ValueError
            ``dim`` not in ``[1, dimension]`` (a PCA cannot add dimensions), or a quantized model.
        """
        if self._core.quantized:
            raise ValueError("reduce_dim: the model is quantized (reduce before quantizing)")
        if self._core.float16:
            raise ValueError("reduce_dim: the model is stored as float16 (reduce before to_float16)")
        pca_reduce(self, dim)
        self._changed()
        return self

    def to_float16(self) -> Model:
        """Store the input matrix (word rows and n-gram rows) as float16, in place; returns the
        model (``m.prune(...).reduce_dim(...).to_float16()``).

        Each value is rounded to the nearest half (ties to even, as numpy's
        ``astype(np.float16)``) and converted back to float32 when a row is used, so vectors and
        predictions equal those of the float32 model whose input rows were so rounded. The
        output matrix stays float32 (it is the smaller one in a model with n-gram buckets, and
        supervised predictions keep their exact label scores). ``save_model`` then writes about
        half the bytes of the input matrix, marked in the file (input flag byte 2 and the
        trailer field ``storage=float16``): sentvec loads it, with ``mmap=True`` too (rows
        mapped, not copied); official fastText cannot read it. A mapped model is read row by
        row; the float16 rows are in memory afterwards (``mapped`` becomes False). Converting a
        float16 model again does nothing. ``prune``, ``reduce_dim``, ``quantize`` and training
        need a float32 model: call them before this.

        Raises
        ------
        ValueError
            The model is quantized (float16 storage applies to a dense input matrix).
        MemoryError
            The float16 matrix does not fit the memory this process may use.
        """
        _core.to_float16(self._core)
        self._changed()
        return self

    # ------------------------------------------------------------------ saving
    def save_model(self, path: str | os.PathLike) -> None:
        """Write the model as a fastText .bin (.ftz when quantized), atomically."""
        self._core.save_model(fspath(path))

    def save_vectors(self, path: str | os.PathLike, which: str = "input", binary: bool = False) -> None:
        """Write word vectors in word2vec text (.vec) or binary format, atomically.

        ``which="input"`` writes what ``get_word_vector`` returns for every word;
        ``which="output"`` writes the output-matrix rows (labels for supervised models).
        """
        if which not in ("input", "output"):
            raise ValueError(f"which must be 'input' or 'output' (got {which!r})")
        self._core.save_vectors(fspath(path), which, bool(binary))
