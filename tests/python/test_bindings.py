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


def _bad_label_model(tmp_path):
    """A supervised model with a label that is not UTF-8 (`__label__caf\\xff`) and two others."""
    rows = [b"__label__caf\xff espresso crema bean", b"__label__tea green leaf pot",
            b"__label__soup broth leek pot"] * 40
    src = tmp_path / "bad-label.txt"
    src.write_bytes(b"\n".join(rows) + b"\n")
    return sentvec.train_supervised(str(src), epoch=5, lr=0.5, dim=8, minn=0, maxn=0, thread=1,
                                    seed=1, verbose=0)


@pytest.mark.parametrize("enabled", [True, False])
def test_batch_predict_leaves_the_collector_as_it_was(tmp_path, enabled):
    """predict on a list pauses the cyclic collector while it builds its lists and restores
    its state afterwards, after an error too; labels shared between lines are equal to those
    of one-line calls (one str per label and batch)."""
    import gc

    m = _bad_label_model(tmp_path)
    texts = ["espresso crema", "green leaf", "broth leek", "pot", "bean", ""] * 50
    (gc.enable if enabled else gc.disable)()
    try:
        labels, probs = m.predict(texts, k=3, threads=2, on_unicode_error="replace")
        assert gc.isenabled() is enabled
        for t, ls, ps in zip(texts, labels, probs):
            one, p1 = m.predict(t, k=3, on_unicode_error="replace")
            assert tuple(ls) == one and list(ps) == pytest.approx(list(p1), abs=1e-7)
        assert "caf\ufffd" in {lab[len("__label__"):] for ls in labels for lab in ls}
        # 12,000 lines make 24,000 objects: no collection starts while they are made.
        runs = []
        gc.callbacks.append(lambda phase, info: runs.append(phase))
        try:
            many = m.predict(texts * 40, k=2, threads=2, on_unicode_error="replace")
            during = len(runs)
            copies = [[lab] for ls in many[0] for lab in ls]  # the same made in Python
        finally:
            gc.callbacks.pop()
        assert during == 0 and len(many[0]) == len(copies) // 2 == len(texts) * 40
        assert bool(runs) is enabled  # ... do start collections
        first = {lab: lab for ls in labels for lab in ls}
        assert all(lab is first[lab] for ls in labels for lab in ls)
        with pytest.raises(UnicodeDecodeError):
            m.predict(texts, k=3, threads=2, on_unicode_error="strict")
        assert gc.isenabled() is enabled
        # The error names the bytes, as one-line predict's does.
        with pytest.raises(UnicodeDecodeError) as one_err:
            m.predict("espresso crema", k=3, on_unicode_error="strict")
        with pytest.raises(UnicodeDecodeError) as batch_err:
            m.predict(["espresso crema"], k=3, on_unicode_error="strict")
        assert str(batch_err.value) == str(one_err.value)
    finally:
        gc.enable()
