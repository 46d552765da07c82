"""Training from Python data (issue 12 item 2): lists, tuples, generators, file objects and
(text, labels) pairs go into one in-memory corpus in C++ that training reads like a file, so the
model is byte-identical to the one trained on a file of the same lines (seed, thread=1)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sentvec

SG = dict(dim=16, epoch=2, thread=1, seed=3, minCount=2, bucket=5000, verbose=0)
SUP = dict(dim=8, epoch=3, thread=1, seed=5, wordNgrams=2, bucket=3000, verbose=0)
S2V = dict(model="sent2vec", dim=8, epoch=2, thread=1, seed=2, minCount=2, bucket=3000, verbose=0)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, tiny_corpus) -> tuple[Path, list[str]]:
    return tiny_corpus, tiny_corpus.read_text(encoding="utf-8").splitlines()


def saved(model: sentvec.Model, path: Path) -> bytes:
    model.save_model(str(path))
    return path.read_bytes()


def test_skipgram_list_tuple_generator_file_objects_equal_file(corpus, tmp_path):
    path, lines = corpus
    want = saved(sentvec.train_unsupervised(str(path), **SG), tmp_path / "file.bin")
    inputs = {
        "list": lines,
        "tuple": tuple(lines),
        "generator": (ln for ln in lines),
        "iterator": iter(lines),
        "text file": open(path, encoding="utf-8"),  # noqa: SIM115  (closed below)
        "binary file": open(path, "rb"),  # noqa: SIM115
        "StringIO": io.StringIO("".join(ln + "\n" for ln in lines)),
        "bytes lines": [ln.encode() for ln in lines],
    }
    for name, data in inputs.items():
        got = saved(sentvec.train_unsupervised(data, **SG), tmp_path / "mem.bin")
        assert got == want, name
        if hasattr(data, "close"):
            data.close()


def test_generator_is_consumed_once(corpus):
    _, lines = corpus
    gen = (ln for ln in lines)
    sentvec.train_unsupervised(gen, **SG)
    assert next(gen, None) is None


def test_supervised_pairs_equal_file(tiny_labelled, tmp_path):
    text = tiny_labelled.read_text(encoding="utf-8").splitlines()
    want = saved(sentvec.train_supervised(str(tiny_labelled), **SUP), tmp_path / "file.bin")
    pairs, single = [], []
    for i, ln in enumerate(text):
        toks = ln.split(" ")
        labels = [t for t in toks if t.startswith("__label__")]
        words = " ".join(t for t in toks if not t.startswith("__label__"))
        bare = [lab[len("__label__"):] for lab in labels]
        # mix the accepted forms: one label as a str, a list, a tuple, labels already prefixed
        if len(bare) == 1:
            pairs.append((words, bare[0]) if i % 2 else [words, labels])
        else:
            pairs.append((words, tuple(bare)))
        single.append(ln)
    assert saved(sentvec.train_supervised(pairs, **SUP), tmp_path / "pairs.bin") == want
    assert saved(sentvec.train_supervised(single, **SUP), tmp_path / "lines.bin") == want


def test_supervised_pairs_use_the_label_option(tmp_path):
    lines = ["#pos good fine nice", "#neg bad awful poor"] * 50
    f = tmp_path / "l.txt"
    f.write_text("".join(ln + "\n" for ln in lines))
    want = saved(sentvec.train_supervised(str(f), label="#", **SUP), tmp_path / "a.bin")
    pairs = [("good fine nice", "pos"), ("bad awful poor", "neg")] * 50
    got = saved(sentvec.train_supervised(pairs, label="#", **SUP), tmp_path / "b.bin")
    assert got == want
    assert sorted(sentvec.load_model(str(tmp_path / "b.bin")).labels) == ["#neg", "#pos"]


def test_sent2vec_list_equals_file(corpus, tmp_path):
    path, lines = corpus
    want = saved(sentvec.train_unsupervised(str(path), **S2V), tmp_path / "file.bin")
    assert saved(sentvec.train_unsupervised(list(lines), **S2V), tmp_path / "mem.bin") == want


def test_memory_corpus_holds_the_encoded_bytes(corpus):
    _, lines = corpus
    c = sentvec.memory_corpus(iter(lines))
    assert c.nbytes == sum(len(ln.encode("utf-8")) + 1 for ln in lines)
    assert c.nlines == len(lines)
    pairs = sentvec.memory_corpus([("a b", "x"), ("c", ["y", "__label__z"])], pairs=True)
    assert pairs.nbytes == len(b"__label__x a b\n__label__y __label__z c\n")
    # a corpus can be trained on again, as a file can
    a = sentvec.train_unsupervised(c, **SG)
    b = sentvec.train_unsupervised(c, **SG)
    assert a.words == b.words


def test_empty_input_is_the_empty_file_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty") as file_err:
        sentvec.train_unsupervised(str(empty), verbose=0)
    for data in ([], (), iter([]), io.StringIO("")):
        with pytest.raises(ValueError, match="is empty") as mem_err:
            sentvec.train_unsupervised(data, verbose=0)
        assert type(mem_err.value) is type(file_err.value)
    with pytest.raises(ValueError, match="is empty"):
        sentvec.train_supervised([], verbose=0)


def test_newline_inside_an_element_names_its_index():
    with pytest.raises(ValueError, match=r"input\[2\] contains a newline"):
        sentvec.train_unsupervised(["a b", "c d", "e\nf"], verbose=0)
    with pytest.raises(ValueError, match=r"input\[1\] contains a newline"):
        sentvec.train_supervised([("a b", "x"), ("c\nd", "y")], verbose=0)


def test_invalid_types_are_type_errors():
    with pytest.raises(TypeError, match="not int"):
        sentvec.train_unsupervised(12, verbose=0)
    with pytest.raises(TypeError, match=r"input\[1\] must be a str .*not int"):
        sentvec.train_unsupervised(["a b", 3], verbose=0)
    with pytest.raises(TypeError, match=r"input\[0\] must be a str \(one line of text\), not tuple"):
        sentvec.train_unsupervised([("a b", "x")], verbose=0)  # pairs are for supervised models
    with pytest.raises(TypeError, match=r"input\[0\]: the labels of a pair must be a str or a list of str, not int"):
        sentvec.train_supervised([("a b", 1)], verbose=0)
    with pytest.raises(TypeError, match=r"input\[1\]: a label must be a str, not int"):
        sentvec.train_supervised([("a b", "x"), ("a b", ["y", 1])], verbose=0)
    with pytest.raises(TypeError, match=r"input\[0\]: the text of a pair must be a str, not NoneType"):
        sentvec.train_supervised([(None, "x")], verbose=0)
    with pytest.raises(ValueError, match=r"input\[0\]: label 'a b' must be a non-empty str without whitespace"):
        sentvec.train_supervised([("text", "a b")], verbose=0)
    with pytest.raises(ValueError, match="autotune"):
        sentvec.train_supervised([("a b", "x")], autotuneValidationFile="x.txt", verbose=0)
