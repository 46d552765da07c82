"""``model.f``: the method names of official fastText's pybind object, over a sentvec model.

Code written against fastText's low-level layer (``model.f.getArgs().dim``,
``np.array(model.f.getInputMatrix())``, ``model.f.predict(line + "\\n", k, t, "strict")``)
keeps working. Each call goes through the public ``Model`` method of the same meaning, so
the argument checks and errors are the same. Attributes that are not fastText method names
(``nwords``, ``input_rows``, ...) are read from sentvec's core object.
"""

from __future__ import annotations

import enum
import weakref
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np


class model_name(enum.Enum):
    """fastText's ``model_name`` enum (sentvec adds sent2vec)."""

    cbow = 1
    skipgram = 2
    supervised = 3
    sent2vec = 4


class loss_name(enum.Enum):
    """fastText's ``loss_name`` enum."""

    hs = 1
    ns = 2
    softmax = 3
    ova = 4


def _line(text: str) -> str:
    # fastText's layer takes lines with their trailing newline; the public API takes them without.
    return text[:-1] if text.endswith("\n") else text


class FastTextF:
    """fastText's ``_FastText.f`` methods, delegating to the owning ``Model``."""

    def __init__(self, model: Any, tokenize: Callable[[str], list[str]]):
        self._model = weakref.ref(model)  # no cycle: the model owns this object
        self._tokenize = tokenize  # passed in: this module does not import model.py

    @property
    def m(self) -> Any:
        model = self._model()
        if model is None:
            raise ReferenceError("the model this .f belonged to no longer exists")
        return model

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.m._core, name)

    # ---------------------------------------------------------------- description
    def getArgs(self) -> SimpleNamespace:
        a = dict(self.m.args)
        a["model"] = model_name[a["model"]]
        a["loss"] = loss_name[a["loss"]]
        return SimpleNamespace(**a)

    def isQuant(self) -> bool:
        return self.m.is_quantized()

    def getDimension(self) -> int:
        return self.m.get_dimension()

    # ---------------------------------------------------------------- vectors
    @staticmethod
    def _fill(out: Any, v: np.ndarray) -> np.ndarray:
        # fastText fills a fasttext.Vector in place; a float32 numpy array of the right size works here.
        if out is not None:
            np.asarray(out)[...] = v
        return v

    def getWordVector(self, out: Any, word: str) -> np.ndarray:
        return self._fill(out, self.m.get_word_vector(word))

    def getSentenceVector(self, out: Any, text: str) -> np.ndarray:
        return self._fill(out, self.m.get_sentence_vector(_line(text)))

    def getInputVector(self, out: Any, ind: int) -> np.ndarray:
        return self._fill(out, self.m.get_input_vector(ind))

    def getInputMatrix(self) -> np.ndarray:
        return self.m.get_input_matrix()

    def getOutputMatrix(self) -> np.ndarray:
        return self.m.get_output_matrix()

    def setMatrices(self, input_matrix: np.ndarray, output_matrix: np.ndarray) -> None:
        self.m.set_matrices(input_matrix, output_matrix)

    # ---------------------------------------------------------------- dictionary
    def getWordId(self, word: str) -> int:
        return self.m.get_word_id(word)

    def getLabelId(self, label: str) -> int:
        return self.m.get_label_id(label)

    def getSubwordId(self, subword: str) -> int:
        return self.m.get_subword_id(subword)

    def getSubwords(self, word: str, on_unicode_error: str = "strict"):
        subs, ids = self.m.get_subwords(word, on_unicode_error)
        return subs, ids.tolist()

    def getVocab(self, on_unicode_error: str = "strict"):
        words, freqs = self.m.get_words(True, on_unicode_error)
        return words, freqs.tolist()

    def getLabels(self, on_unicode_error: str = "strict"):
        labels, freqs = self.m.get_labels(True, on_unicode_error)
        return labels, freqs.tolist()

    def getLine(self, text: str, on_unicode_error: str = "strict"):
        return self.m.get_line(_line(text), on_unicode_error)

    def multilineGetLine(self, lines: list, on_unicode_error: str = "strict"):
        return self.m.get_line([_line(t) for t in lines], on_unicode_error)

    def tokenize(self, text: str) -> list[str]:
        return self._tokenize(text)

    # ---------------------------------------------------------------- queries
    def predict(self, text: str, k: int = 1, threshold: float = 0.0, on_unicode_error: str = "strict"):
        labels, probs = self.m.predict(_line(text), k, threshold, on_unicode_error)
        return [(float(p), lab) for p, lab in zip(probs, labels)]

    def multilinePredict(self, lines: list, k: int = 1, threshold: float = 0.0,
                         on_unicode_error: str = "strict"):
        return self.m.predict([_line(t) for t in lines], k, threshold, on_unicode_error)

    def getNN(self, word: str, k: int = 10, on_unicode_error: str = "strict"):
        return self.m.get_nearest_neighbors(word, k, on_unicode_error)

    def getAnalogies(self, wordA: str, wordB: str, wordC: str, k: int = 10,
                     on_unicode_error: str = "strict"):
        return self.m.get_analogies(wordA, wordB, wordC, k, on_unicode_error)

    def test(self, path: Any, k: int = 1, threshold: float = 0.0):
        return self.m.test(path, k, threshold)

    def testLabel(self, path: Any, k: int = 1, threshold: float = 0.0):
        return self.m.test_label(path, k, threshold)

    def getMeter(self, path: Any, k: int = -1):
        return self.m.get_meter(path, k)

    # ---------------------------------------------------------------- files
    def saveModel(self, path: Any) -> None:
        self.m.save_model(path)

    def loadModel(self, path: Any) -> None:
        from . import _core
        from ._util import fspath

        self.m._set_core(_core.Model.load(fspath(path, "path"), False))

    def quantize(self, input: Any = "", qout: bool = False, cutoff: int = 0, retrain: bool = False,
                 epoch: int | None = None, lr: float | None = None, thread: int | None = None,
                 verbose: int | None = None, dsub: int = 2, qnorm: bool = False) -> None:
        self.m.quantize(input or None, qout, cutoff, retrain, epoch, lr, thread, verbose, dsub, qnorm)
