"""The bindings are thin (issue 9 item 5): text rules (tokenizing, getLine, one line per text)
and quantization's checks run in C++, test-only hooks live in _core._testing, one translator."""

from __future__ import annotations

from pathlib import Path

import pytest
import sentvec
from conftest import TESTDATA
from sentvec import _core

FTZ = TESTDATA / "golden" / "ft-supervised.ftz"
SRC = Path(__file__).resolve().parents[2] / "python" / "src"
TEST_ONLY = ("human_bytes", "check_memory", "fnv1a32", "read_vec", "parse_vec_bytes", "memory_budget")


def test_test_only_hooks_live_in_testing():
    for name in TEST_ONLY:
        assert callable(getattr(_core._testing, name)), name
        assert not hasattr(_core, name), name
    assert _core._testing.human_bytes(1536) == "1.5 KiB"


@pytest.mark.skipif(not SRC.is_dir(), reason="needs the source tree")
def test_one_exception_translator():
    where = [p.name for p in SRC.glob("*.cpp") if "register_exception_translator" in p.read_text()]
    assert where == ["errors.cpp"]


@pytest.mark.parametrize("text", ["", "a b", " a\tb\n", "a\n\nb\n", "x\v\fy\r\0z", "é ü\n", "\n"])
def test_tokenize_is_the_cpp_tokenizer(text):
    want = []
    for i, part in enumerate(text.split("\n")):
        if i:
            want.append("</s>")
        want += [t for t in part.replace("\t", " ").replace("\v", " ").replace("\f", " ")
                 .replace("\r", " ").replace("\0", " ").split(" ") if t]
    assert _core.tokenize(text) == sentvec.tokenize(text) == want
    with pytest.raises(TypeError, match="text"):
        _core.tokenize(3)


def test_one_line_rules_are_checked_in_cpp():
    core = sentvec.load_model(FTZ)._core  # the C++ core object (model.f is the fastText-named layer)
    with pytest.raises(ValueError, match="one line"):
        core.sentence_vector("a\nb")
    with pytest.raises(ValueError, match="one line"):
        core.predict("a\nb", 1, 0.0, "strict")
    with pytest.raises(ValueError, match=r"text\[2\] must be one line"):
        core.predict_batch(["a", "b", "c\n"], 1, 0.0, "strict", 0)
    with pytest.raises(ValueError, match=r"sentences\[1\] contains"):
        core.embed_sentences(("a", "b\n"), 0)
    with pytest.raises(TypeError, match=r"text\[1\] must be a str"):
        core.predict_batch(["a", 3], 1, 0.0, "strict", 0)
    with pytest.raises(ValueError, match=r"text\[0\] must be one line"):
        core.get_line(["a\nb"])


def test_get_line_in_cpp_matches_the_api():
    m = sentvec.load_model(FTZ)
    words, labels = m._core.get_line("__label__baking how to bake __label__nope bread")
    assert words[-1] == "</s>" and "bread" in words and "__label__nope" not in words
    assert all(lab in m.labels for lab in labels)
    assert m.get_line(["a b", "c"]) == m._core.get_line(("a b", "c"))


def test_quantize_checks_are_in_cpp():
    m = sentvec.load_model(FTZ)
    with pytest.raises(ValueError, match="already quantized"):
        _core.quantize(m._core)
    with pytest.raises(TypeError, match="dsub"):
        _core.quantize(m._core, dsub="2")
    with pytest.raises(TypeError, match="qout"):
        _core.quantize(m._core, qout=1)
