"""Hostile files: every loader rejects truncated, bit-flipped, oversized-count and random files
with sentvec.FormatError or OSError — never a crash, a hang or a huge allocation."""

from __future__ import annotations

import errno
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

import hostile
import numpy as np
import pytest
import sentvec
from conftest import HAVE_SHARED, SHARED_MODELS, TESTDATA, gensim_test_data
from sentvec import _core
from serve_models import write_bin

HERE = Path(__file__).resolve().parent
FTZ = TESTDATA / "golden" / "ft-supervised.ftz"
GENSIM_MODELS = ["lee_fasttext.bin", "lee_fasttext_new.bin", "non_ascii_fasttext.bin",
                 "cp852_fasttext.bin", "crime-and-punishment.bin", "pang_lee_polarity_fasttext.bin"]


def golden_files(tmp_path: Path):
    """Every golden model we have: the repo's .ftz, a synthetic .bin, the shared models
    (.bin v12 / .ftz / sent2vec v11), gensim's real files (pre-2017 legacy, v11, v12), and .vec
    files."""
    files = [FTZ, write_bin(tmp_path / "synthetic.bin", nwords=300, bucket=2000, dim=8)]
    # the same model with float16 input rows (input flag 2 + trailer field; Model.to_float16)
    sentvec.load_model(files[1]).to_float16().save_model(tmp_path / "synthetic-f16.bin")
    files.append(tmp_path / "synthetic-f16.bin")
    m = sentvec.load_model(FTZ)
    m.save_vectors(tmp_path / "ftz-input.vec")
    files.append(tmp_path / "ftz-input.vec")
    if HAVE_SHARED:
        # (the shared ft-supervised.ftz is the repo's golden)
        files += sorted(SHARED_MODELS.glob("*.bin")) + [SHARED_MODELS / "ft-skipgram.vec"]
    g = gensim_test_data()
    if g is not None:
        files += [g / n for n in GENSIM_MODELS if (g / n).exists()]
        if (g / "lee_fasttext.vec").exists():
            files.append(g / "lee_fasttext.vec")
    return files


# ------------------------------------------------------------------------------ the big sweep
def test_sweep_in_a_child_process(tmp_path):
    """Truncations, bit flips (fixed seeds), oversized fields and random files over every golden,
    in a child process with a 3 GiB address-space limit: a crash is a negative return code, a
    huge allocation a MemoryError (not an allowed exception), a hang the timeout."""
    files = golden_files(tmp_path)

    def limit():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE)] + sys.path))
    r = subprocess.run([sys.executable, str(HERE / "hostile.py"), "--flips", "40", *map(str, files)],
                       capture_output=True, text=True, timeout=600, env=env, preexec_fn=limit,
                       check=False)
    print(r.stdout[-3000:])
    assert r.returncode == 0, f"sweep died with {r.returncode}:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    assert f"OK {len(files)} files" in r.stdout


# ------------------------------------------------------------------------------ in-process
def test_every_truncation_of_the_ftz_header_and_dictionary():
    data = FTZ.read_bytes()
    _, entries, dict_end = hostile.layout(data)
    assert len(entries) == 412 + 735
    view = memoryview(data)
    for cut in range(dict_end + 1):
        with pytest.raises(sentvec.FormatError):
            _core.load_model_bytes(view[:cut], "ftz", False)
    # And a sample of the matrices, through the file loader this time.
    for cut in range(dict_end, len(data), 997):
        with pytest.raises(sentvec.FormatError, match=r"truncated|shape|invalid|expected"):
            _core.load_model_bytes(view[:cut], "ftz", False)


def test_truncated_file_message_names_file_and_offset(tmp_path):
    p = tmp_path / "cut.bin"
    p.write_bytes(FTZ.read_bytes()[:1000])
    with pytest.raises(sentvec.FormatError) as e:
        sentvec.load_model(p)
    assert str(p) in str(e.value) and "byte offset" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_flipped_bytes_load_or_fail_cleanly():
    s = hostile.bit_flips(FTZ.read_bytes(), "ftz", 150)
    assert s["loaded"] + s["rejected"] == 150 and s["rejected"] > 0


def test_oversized_counts_fail_fast_without_allocating():
    data = FTZ.read_bytes()
    s = hostile.oversized(data, "ftz")
    assert s["rejected"] > 50
    # Named cases: each is refused by a size check before anything is allocated.
    cases = {
        "dictionary size": (64, "<i", 2**31 - 1),
        "nwords": (68, "<i", 2**31 - 1),
        "ntokens-independent pruneidx_size": (84, "<q", 2**62),
        "args.dim": (8, "<i", 1 << 30),
        "args.maxn": (48, "<i", 1 << 20),
    }
    for what, (off, fmt, v) in cases.items():
        buf = bytearray(data)
        struct.pack_into(fmt, buf, off, v)
        with pytest.raises(sentvec.FormatError, match=r"."), _named(what):
            _core.load_model_bytes(bytes(buf), what, False)


class _named:
    def __init__(self, what):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        if et is None:
            raise AssertionError(f"{self.what}: a huge value loaded")
        return False


def test_huge_dense_matrix_shape_is_checked_against_the_file(tmp_path):
    p = write_bin(tmp_path / "m.bin", nwords=10, bucket=100, dim=4)
    data = bytearray(p.read_bytes())
    _, _, dict_end = hostile.layout(bytes(data))
    struct.pack_into("<q", data, dict_end + 1, 2**31 - 1)  # input rows
    with pytest.raises(sentvec.FormatError, match="input matrix"):
        _core.load_model_bytes(bytes(data), "rows", False)
    struct.pack_into("<qq", data, dict_end + 1, 110, 2**40)  # input cols
    with pytest.raises(sentvec.FormatError, match="input matrix"):
        _core.load_model_bytes(bytes(data), "cols", False)


def test_long_words_with_wide_ngram_range_are_refused(tmp_path):
    # One 1 MB "word" with minn 1 / maxn 64 would ask for 64M subword ids (and hash 2 GB):
    # refused at once.
    p = tmp_path / "m.bin"
    word = b"x" * 1_000_000
    with open(p, "wb") as f:
        f.write(struct.pack("<ii", hostile.MAGIC, 12))
        f.write(struct.pack("<12id", 4, 5, 1, 1, 5, 1, 2, 2, 1, 1, 64, 100, 1e-4))
        f.write(struct.pack("<iiiqq", 1, 1, 0, 1, -1))
        f.write(word + b"\0" + struct.pack("<qb", 1, 0))
        f.write(b"\0" + struct.pack("<qq", 2, 4) + bytes(32) + b"\0" + struct.pack("<qq", 1, 4) + bytes(16))
    with pytest.raises(sentvec.FormatError, match="character n-grams"):
        sentvec.load_model(p)


def test_random_files():
    s = hostile.random_files(200)
    assert s["rejected"] == 200


@pytest.mark.parametrize("content", [b"", b"\0", b"BA", b"\xba\x16\x4f\x2f", b"\xba\x16\x4f\x2f\x0d\0\0\0",
                                     b"hello world\n", b"\xff" * 100])
def test_tiny_and_wrong_files(tmp_path, content):
    p = tmp_path / "x.bin"
    p.write_bytes(content)
    with pytest.raises(sentvec.FormatError) as e:
        sentvec.load_model(p)
    assert str(p) in str(e.value)


def test_not_regular_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        sentvec.load_model(tmp_path / "missing.bin")
    with pytest.raises(IsADirectoryError):
        sentvec.load_model(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done = []
    t = threading.Thread(target=lambda: done.append(pytest.raises(OSError, sentvec.load_model, fifo)))
    t.start()
    t.join(10)
    assert done, "loading a FIFO hung"
    assert "not a regular file" in str(done[0].value)
    if os.path.exists("/dev/zero"):
        with pytest.raises(OSError, match="not a regular file"):
            sentvec.load_model("/dev/zero")
        with pytest.raises(OSError, match="not a regular file"):
            _core._testing.read_vec("/dev/zero")


# ------------------------------------------------------------------------------ .vec
def test_read_vec_round_trip(tmp_path):
    m = sentvec.load_model(FTZ)
    p = tmp_path / "v.vec"
    m.save_vectors(p)
    words, mat = _core._testing.read_vec(str(p))
    assert words == m.get_words()
    assert mat.shape == (len(words), m.get_dimension())
    np.testing.assert_allclose(mat[:20], m.get_word_vectors(words[:20]), atol=1e-4)


@pytest.mark.parametrize("text,what", [
    (b"", "empty"),
    (b"3\n", "first line"),
    (b"-1 4\n", "first line"),
    (b"2 0\n", "first line"),
    (b"99999999999999999 300\n", "promises"),
    (b"18446744073709551615 2\n", "promises"),
    (b"2 3\na 1 2 3\n", "promises"),
    (b"1 3\na 1 2\n", "fewer than 3"),
    (b"1 3\na 1 2 3 4\n", "more than 3"),
    (b"1 3\na 1 nan 3\n", "finite"),
    (b"1 3\na 1 1e99 3\n", "finite"),
    (b"1 3\n\xff\xfe 1 2 zz\n", "finite"),
    (b"2 2\na 1 2\n", "truncated"),
])
def test_bad_vec_files(tmp_path, text, what):
    p = tmp_path / "bad.vec"
    p.write_bytes(text)
    with pytest.raises(sentvec.FormatError, match=what) as e:
        _core._testing.read_vec(str(p))
    assert str(p) in str(e.value)


def test_vec_mutants():
    data = "4 3\n</s> 0.1 0.2 0.3 \nthe 1 2 3 \ncafé -1e-05 2.5 3 \nx 0 0 0 \n".encode()
    assert _core._testing.parse_vec_bytes(data)[1].shape == (4, 3)
    s = hostile.vec_mutants(data * 1, "small.vec", 300)
    assert s["rejected"] > 0 and s["loaded"] > 0


def test_missing_vec_file(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        _core._testing.read_vec(str(tmp_path / "nope.vec"))
    assert e.value.errno == errno.ENOENT and "nope.vec" in str(e.value)


# ------------------------------------------------------------------------------ pretrained vectors
@pytest.mark.parametrize("text", [b"99999999999 8\nw 1\n", b"2 8\nthe 1 2 3\n", b"\xff\xfe\x00garbage"])
def test_hostile_pretrained_vectors(tmp_path, tiny_labelled, text):
    p = tmp_path / "pre.vec"
    p.write_bytes(text)
    with pytest.raises(sentvec.FormatError) as e:
        sentvec.train_supervised(input=str(tiny_labelled), dim=8, epoch=1, pretrainedVectors=str(p),
                                 verbose=0, thread=1)
    assert str(p) in str(e.value)


def test_pretrained_vectors_fifo_does_not_hang(tmp_path, tiny_labelled):
    fifo = tmp_path / "pre.vec"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        sentvec.train_supervised(input=str(tiny_labelled), dim=8, epoch=1, pretrainedVectors=str(fifo),
                                 verbose=0, thread=1)


# ------------------------------------------------------------------------------ hostile arguments
def test_huge_k_means_all(tmp_path):
    sup = sentvec.load_model(FTZ)
    n = len(sup.get_labels())
    for k in (10**6, 2**31 - 1, 2**40):
        assert len(sup.predict("how to bake bread", k=k)[0]) == n
        assert len(sup.predict(["how to bake bread"], k=k)[0][0]) == n
    sg = sentvec.load_model(write_bin(tmp_path / "sg.bin", nwords=40, bucket=100, dim=4))
    assert len(sg.get_nearest_neighbors("w1", k=2**40)) == 39
    with pytest.raises(ValueError, match="k must be >= 1"):
        sup.predict("x", k=0)
