"""`sentvec predict` / `embed` on JSON lines and compressed input, and JSON-lines output (issue 14 item 2).

Every result is compared with the Python API on the same documents."""

from __future__ import annotations

import gzip
import json
import lzma

import numpy as np
import pytest
import sentvec
from test_cli import FTZ, VALID, assert_one_line_error, run

LINES = [line.rstrip("\n") for line in open(VALID, encoding="utf-8")][:60]


def _compress(kind: str, data: bytes) -> bytes:
    if kind == "gz":
        return gzip.compress(data)
    if kind == "xz":
        return lzma.compress(data)
    if kind == "zst":
        zstandard = pytest.importorskip("zstandard", reason="zstd input needs the zstandard package")
        return zstandard.ZstdCompressor().compress(data)
    return data


@pytest.fixture(scope="module")
def model():
    return sentvec.load_model(FTZ)


def _write(tmp_path, name: str, text: str, kind: str = "") -> str:
    p = tmp_path / (name + (f".{kind}" if kind else ""))
    p.write_bytes(_compress(kind, text.encode("utf-8")))
    return str(p)


@pytest.mark.parametrize("kind", ["", "gz", "xz", "zst"])
def test_predict_reads_compressed_text_as_plain(tmp_path, model, kind):
    src = _write(tmp_path, "docs.txt", "\n".join(LINES) + "\n", kind)
    out = run("predict-prob", FTZ, src, 2).stdout.decode().splitlines()
    labels, probs = model.predict(LINES, k=2)
    assert out == [" ".join(f"{lab} {float(p):g}" for lab, p in zip(ls, ps)) for ls, ps in zip(labels, probs)]


@pytest.mark.parametrize("kind", ["", "gz"])
def test_predict_jsonl_field_and_jsonl_output_keep_the_objects(tmp_path, model, kind):
    objs = [{"id": i, "body": line, "meta": {"n": i}} for i, line in enumerate(LINES)]
    text = "\n".join(json.dumps(o) for o in objs[:30]) + "\n\n" + "\n".join(json.dumps(o) for o in objs[30:]) + "\n"
    src = _write(tmp_path, "docs.jsonl", text, kind)
    got = [json.loads(x) for x in run("predict-prob", FTZ, src, 3, "-field", "body", "-format", "jsonl").stdout.splitlines()]
    labels, probs = model.predict(LINES, k=3)
    assert len(got) == len(objs)  # the blank line is no document
    for g, o, ls, ps in zip(got, objs, labels, probs):
        assert {k: g[k] for k in o} == o
        assert g["labels"] == list(ls)
        np.testing.assert_allclose(g["probabilities"], ps, rtol=1e-6)
    # text output from JSON-lines input: fastText's lines
    plain = run("predict", FTZ, src, 1, "-field", "body").stdout.decode().splitlines()
    assert plain == [" ".join(ls) for ls in model.predict(LINES, k=1)[0]]


def test_jsonl_name_means_field_text(tmp_path, model):
    src = _write(tmp_path, "d.jsonl", "".join(json.dumps({"text": t}) + "\n" for t in LINES[:5]), "xz")
    out = run("predict", FTZ, src).stdout.decode().splitlines()
    assert out == [" ".join(ls) for ls in model.predict(LINES[:5])[0]]


def test_documents_with_newlines(tmp_path, model):
    docs = [LINES[0] + "\n" + LINES[1], LINES[2]]
    src = _write(tmp_path, "d.jsonl", "".join(json.dumps({"text": d}) + "\n" for d in docs))
    assert_one_line_error(run("predict", FTZ, src, check=False), 1, "d.jsonl line 1", "-on-newline join")
    for mode in ("join", "split"):
        got = run("predict", FTZ, src, 2, "-on-newline", mode).stdout.decode().splitlines()
        assert got == [" ".join(ls) for ls in model.predict(docs, k=2, on_newline=mode)[0]]
        out = tmp_path / f"{mode}.npy"
        run("embed", FTZ, src, out, "-on-newline", mode)
        np.testing.assert_array_equal(np.load(out), model.embed_sentences(docs, on_newline=mode))


@pytest.mark.parametrize("kind", ["gz", "zst"])
def test_embed_jsonl_compressed_to_npy_and_to_jsonl(tmp_path, model, kind):
    objs = [{"id": i, "body": line} for i, line in enumerate(LINES)]
    src = _write(tmp_path, "d.jsonl", "".join(json.dumps(o) + "\n" for o in objs), kind)
    want = model.embed_sentences(LINES)
    out = tmp_path / "v.npy"
    run("embed", FTZ, src, out, "-field", "body")
    np.testing.assert_array_equal(np.load(out), want)
    rows = [json.loads(x) for x in run("embed", FTZ, src, "-", "-field", "body", "-format", "jsonl").stdout.splitlines()]
    assert [r["id"] for r in rows] == list(range(len(LINES)))
    np.testing.assert_allclose(np.array([r["vector"] for r in rows]), want, rtol=1e-6)


def test_compressed_standard_input_is_embedded_like_the_file(tmp_path, model):
    out = tmp_path / "s.npy"
    run("embed", FTZ, "-", out, input=gzip.compress(("\n".join(LINES) + "\n").encode()))
    np.testing.assert_array_equal(np.load(out), model.embed_sentences(LINES))


def test_model_embed_to_npy_streams_batches(tmp_path, model):
    out = tmp_path / "b.npy"
    seen = []
    n = model.embed_to_npy(iter([LINES[:7], [], LINES[7:20]]), out, progress=seen.append)
    assert n == 20 and seen == [7, 7, 20]
    np.testing.assert_array_equal(np.load(out), model.embed_sentences(LINES[:20]))


@pytest.mark.parametrize(
    "content,needles",
    [
        ("not json\n", ["bad.jsonl line 1", "not a JSON object"]),
        ('{"text": "a"}\n[1, 2]\n', ["bad.jsonl line 2", "not a JSON object"]),
        ('{"text": "a"}\n{"body": "b"}\n', ["bad.jsonl line 2", "field 'text'", "missing"]),
        ('{"text": 3}\n', ["bad.jsonl line 1", "field 'text'", "int"]),
    ],
)
def test_bad_json_lines_are_one_line_errors(tmp_path, content, needles):
    src = tmp_path / "bad.jsonl"
    src.write_text(content)
    assert_one_line_error(run("predict", FTZ, src, check=False), 1, *needles)


def test_bad_format_options_are_usage_errors(tmp_path):
    assert_one_line_error(run("predict", FTZ, VALID, "-format", "xml", check=False), 2, "-format")
    assert_one_line_error(run("predict", FTZ, VALID, "-on-newline", "keep", check=False), 2, "-on-newline")
    assert_one_line_error(run("embed", FTZ, VALID, tmp_path / "x.jsonl", "-format", "jsonl", check=False), 2,
                          "standard output")
    assert_one_line_error(run("embed", FTZ, VALID, "-", check=False), 2, ".npy output must be a file path")
