"""float16 storage of the input matrix (Model.to_float16, issue 13 item 2).

Oracle: numpy's ``astype(np.float16)`` rounding. A float16 model must give the vectors and
predictions of the float32 model whose input rows were rounded that way (that model built with
set_matrices), saved and loaded (copied or mapped) alike; the file is about half the bytes of
the input matrix smaller; corrupt and truncated float16 files fail with FormatError.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import hostile
import numpy as np
import pytest
import sentvec
from sentvec import _core
from serve_models import write_bin

pytestmark = pytest.mark.filterwarnings("ignore")

HERE = Path(__file__).resolve().parent
WORDS = ["the", "cat", "dog", "café", "пример", "unseenword", "kalomi", "zzzq"]
LINES = ["the cat sat on the mat", "a big dog ran to the house", "naïve café über alles", ""]


@pytest.fixture(scope="module")
def models(tiny_corpus, tiny_labelled, tmp_path_factory):
    """A skipgram (char n-grams), a sent2vec (bigrams) and a supervised (bigrams) .bin."""
    d = tmp_path_factory.mktemp("f16")
    out = {}
    common = dict(dim=16, epoch=2, thread=1, seed=3, verbose=0)
    m = sentvec.train_unsupervised(str(tiny_corpus), model="skipgram", bucket=20000, minCount=2, **common)
    m.save_model(str(d / "skipgram.bin"))
    out["skipgram"] = d / "skipgram.bin"
    m = sentvec.train_unsupervised(str(tiny_corpus), model="sent2vec", bucket=20000, wordNgrams=2,
                                   minn=0, maxn=0, minCount=2, **common)
    m.save_model(str(d / "sent2vec.bin"))
    out["sent2vec"] = d / "sent2vec.bin"
    m = sentvec.train_supervised(str(tiny_labelled), bucket=20000, wordNgrams=2, **common)
    m.save_model(str(d / "supervised.bin"))
    out["supervised"] = d / "supervised.bin"
    return out


def rounded_reference(path: Path) -> sentvec.Model:
    """The float32 model whose input rows are rounded to half: the oracle."""
    ref = sentvec.load_model(path)
    inp = ref.get_input_matrix(copy=True).astype(np.float16).astype(np.float32)
    ref.set_matrices(inp, ref.get_output_matrix(copy=True))
    return ref


def assert_same_answers(a: sentvec.Model, ref: sentvec.Model) -> None:
    # float16 rows are decoded and averaged by the float32 kernels: the very same floats.
    assert np.array_equal(a.get_word_vectors(WORDS), ref.get_word_vectors(WORDS))
    assert np.array_equal(a.embed_sentences(LINES), ref.embed_sentences(LINES))
    np.testing.assert_allclose(a.get_word_vectors(WORDS), ref.get_word_vectors(WORDS), rtol=0, atol=1e-6)
    for w in WORDS:
        np.testing.assert_allclose(a.get_word_vector(w), ref.get_word_vector(w), rtol=0, atol=1e-6)
    np.testing.assert_allclose(a.embed_sentences(LINES), ref.embed_sentences(LINES), rtol=0, atol=1e-6)
    for line in LINES:
        np.testing.assert_allclose(a.get_sentence_vector(line), ref.get_sentence_vector(line),
                                   rtol=0, atol=1e-6)
    if "supervised" in repr(ref):
        la, pa = a.predict(LINES[:3], k=3)
        lr, pr = ref.predict(LINES[:3], k=3)
        assert la == lr
        np.testing.assert_allclose(np.array(pa), np.array(pr), rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["skipgram", "sent2vec", "supervised"])
def test_float16_gives_the_rounded_models_answers_in_memory_saved_and_mapped(models, kind, tmp_path):
    ref = rounded_reference(models[kind])
    m = sentvec.load_model(models[kind])
    orig_rows = m.get_input_matrix(copy=True)
    assert m.to_float16() is m and m.is_float16() and not m.is_quantized()
    assert "float16" in repr(m)
    assert_same_answers(m, ref)
    # get_input_matrix: a read-only float16 view of exactly numpy's rounding.
    view = m.get_input_matrix()
    assert view.dtype == np.float16 and not view.flags.writeable
    assert np.array_equal(view.view(np.uint16), orig_rows.astype(np.float16).view(np.uint16))
    np.testing.assert_array_equal(m.get_input_vector(5), orig_rows[5].astype(np.float16).astype(np.float32))
    # The output matrix stays float32.
    assert m.get_output_matrix().dtype == np.float32
    m.save_model(tmp_path / "h.bin")
    for mmap in (False, True):
        back = sentvec.load_model(tmp_path / "h.bin", mmap=mmap)
        assert back.is_float16() and back.mapped == mmap
        assert_same_answers(back, ref)
        assert np.array_equal(back.get_input_matrix().view(np.uint16), view.view(np.uint16))
    # Saving a loaded float16 model again gives the same bytes.
    sentvec.load_model(tmp_path / "h.bin", mmap=True).save_model(tmp_path / "again.bin")
    assert (tmp_path / "again.bin").read_bytes() == (tmp_path / "h.bin").read_bytes()


def test_file_is_smaller_by_half_the_input_matrix(models, tmp_path):
    m = sentvec.load_model(models["skipgram"])
    rows, dim = m.get_input_matrix().shape
    before = models["skipgram"].stat().st_size
    m.to_float16().save_model(tmp_path / "h.bin")
    after = (tmp_path / "h.bin").stat().st_size
    print(f"skipgram {before} -> {after} bytes ({after / before:.2f})")
    # Exactly the input floats' half, give or take the trailer (< 1 KB).
    assert abs((before - rows * dim * 2) - after) < 1024
    assert after < 0.6 * before  # the n-gram buckets dominate: about half the file


def test_conversion_rounds_like_numpy_including_edge_values(models):
    """Ties to even, subnormals, overflow to infinity, signed zeros, NaN: bit for bit."""
    m = sentvec.load_model(models["skipgram"])
    rows, dim = m.get_input_matrix().shape
    rng = np.random.default_rng(5)
    special = np.array([0.0, -0.0, 1.0, -1.0, 65504.0, 65519.99, 65520.0, 1e6, -1e6, np.inf, -np.inf,
                        2.0**-14, 2.0**-15, 2.0**-24, 2.0**-25, 1.5 * 2.0**-25, 2.0**-26, 1e-30,
                        1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 1.0 + 2.0**-11 + 2.0**-20,
                        np.float32(0.1), 3.14159265], dtype=np.float32)
    vals = np.concatenate([special, rng.standard_normal(rows * dim - special.size).astype(np.float32)
                           * np.float32(10.0) ** rng.integers(-9, 6, rows * dim - special.size)])
    vals = vals.astype(np.float32)
    m.set_matrices(vals.reshape(rows, dim), m.get_output_matrix(copy=True))
    m.to_float16()
    got = m.get_input_matrix().view(np.uint16).ravel()
    want = vals.astype(np.float16).view(np.uint16)
    assert np.array_equal(got, want)
    # and back: half -> float32 is exact
    back = np.stack([m.get_input_vector(i) for i in range(4)])
    np.testing.assert_array_equal(back, want[: 4 * dim].view(np.float16).astype(np.float32).reshape(4, dim))
    # NaN keeps being NaN
    nan = np.full((rows, dim), np.nan, np.float32)
    m2 = sentvec.load_model(models["skipgram"])
    m2.set_matrices(nan, m2.get_output_matrix(copy=True))
    assert np.isnan(m2.to_float16().get_input_matrix().astype(np.float32)).all()


def test_chaining_prune_reduce_to_float16(models, tmp_path):
    ref = sentvec.load_model(models["skipgram"], mmap=True).prune(words=300, buckets=5000).reduce_dim(8)
    inp = ref.get_input_matrix(copy=True).astype(np.float16).astype(np.float32)
    ref.set_matrices(inp, ref.get_output_matrix(copy=True))
    m = sentvec.load_model(models["skipgram"], mmap=True).prune(words=300, buckets=5000).reduce_dim(8).to_float16()
    assert m.is_float16() and m.get_dimension() == 8
    m.save_model(tmp_path / "c.bin")
    for back in (m, sentvec.load_model(tmp_path / "c.bin"), sentvec.load_model(tmp_path / "c.bin", mmap=True)):
        assert_same_answers(back, ref)
    # A second to_float16 changes nothing.
    assert m.to_float16().is_float16()
    assert_same_answers(m, ref)


def test_mapped_model_converts_row_by_row(models):
    m = sentvec.load_model(models["skipgram"], mmap=True)
    ref = rounded_reference(models["skipgram"])
    m.to_float16()
    assert not m.mapped  # the float16 rows are in memory now
    assert_same_answers(m, ref)


def test_operations_that_need_float32_refuse_a_float16_model(models, tiny_corpus):
    m = sentvec.load_model(models["skipgram"]).to_float16()
    with pytest.raises(ValueError, match="float16"):
        m.prune(words=10)
    with pytest.raises(ValueError, match="float16"):
        m.reduce_dim(8)
    with pytest.raises(ValueError, match="float16"):
        sentvec.util.reduce_model(m, 8)
    with pytest.raises(ValueError, match="float16"):
        m.quantize()
    with pytest.raises(ValueError, match="float16"):
        m.quantize(cutoff=100)
    assert m.is_float16()
    # set_matrices gives float32 matrices back
    inp = m.get_input_matrix().astype(np.float32)
    m.set_matrices(inp, m.get_output_matrix(copy=True))
    assert not m.is_float16() and m.get_input_matrix().dtype == np.float32


def test_quantized_model_is_refused(models):
    q = sentvec.load_model(models["supervised"]).quantize(dsub=2)
    with pytest.raises(ValueError, match="to_float16: the model is quantized"):
        q.to_float16()
    assert q.is_quantized() and not q.is_float16()


def test_mapped_float16_rows_are_not_copied(tmp_path):
    """A mapped float16 file's rows stay in the mapping: anonymous memory grows by far less
    than their size, where a copying load grows by at least their size."""
    big = write_bin(tmp_path / "big.bin", nwords=1000, bucket=2_000_000, dim=16, fill="sparse")
    sentvec.load_model(big, mmap=True).to_float16().save_model(tmp_path / "big16.bin")
    half_bytes = (1000 + 2_000_000) * 16 * 2  # 64 MB
    script = textwrap.dedent(f"""
        import sentvec, sys
        sys.path.insert(0, {str(HERE)!r})
        from helpers.procfs import proc_kb
        before = proc_kb("self", "RssAnon")
        m = sentvec.load_model({str(tmp_path / "big16.bin")!r}, mmap={{mmap}})
        assert m.is_float16()
        m.get_word_vector("w1xyz")
        print(proc_kb("self", "RssAnon") - before)
    """)
    grew = {}
    for mmap in (True, False):
        r = subprocess.run([sys.executable, "-c", script.replace("{mmap}", str(mmap))],
                           capture_output=True, text=True, check=True)
        grew[mmap] = int(r.stdout.split()[-1]) * 1024
    print(f"RssAnon growth: mmap {grew[True] / 2**20:.1f} MiB, copy {grew[False] / 2**20:.1f} MiB")
    assert grew[False] >= half_bytes * 0.9, grew
    assert grew[True] < half_bytes / 4, grew


# ------------------------------------------------------------------------------ damaged files
@pytest.fixture(scope="module")
def half_file(models, tmp_path_factory):
    p = tmp_path_factory.mktemp("f16-bad") / "h.bin"
    sentvec.load_model(models["skipgram"]).to_float16().save_model(p)
    return p


def _flag_offset(data: bytes) -> int:
    """Where the input matrix's flag byte is: right after the dictionary (no pruned index)."""
    _, _, dict_end = hostile.layout(data)
    assert data[dict_end] == 2
    return dict_end


def test_every_truncation_fails_with_format_error(half_file):
    data = half_file.read_bytes()
    s = hostile.truncations(data, "f16", dense=True)
    assert s["loaded"] == 0 and s["rejected"] > 0
    flag = _flag_offset(data)
    # Cuts through the float16 rows and the trailer, one by one near the end.
    view = memoryview(data)
    for cut in [flag, flag + 1, flag + 9, flag + 17, flag + 18] + list(range(len(data) - 120, len(data))):
        with pytest.raises(sentvec.FormatError):
            _core.load_model_bytes(view[:cut], "f16", False)


def test_flag_and_trailer_must_agree(half_file, models):
    data = bytearray(half_file.read_bytes())
    flag = _flag_offset(bytes(data))
    # The trailer gone (a float16 file cut at the end of its output matrix): the flag alone is refused.
    rows, dim = sentvec.load_model(half_file).get_input_matrix().shape
    out_rows = sentvec.load_model(half_file).get_output_matrix().shape[0]
    end = flag + 1 + 16 + rows * dim * 2 + 1 + 16 + out_rows * dim * 4
    with pytest.raises(sentvec.FormatError, match="float16"):
        _core.load_model_bytes(bytes(data[:end]), "f16", False)
    # The flag set to 0 with the float16 trailer: refused (sizes or the trailer do not agree).
    bad = bytearray(data)
    bad[flag] = 0
    with pytest.raises(sentvec.FormatError):
        _core.load_model_bytes(bytes(bad), "f16", False)
    # An unknown flag value.
    bad[flag] = 3
    with pytest.raises(sentvec.FormatError, match="quant_input flag 3"):
        _core.load_model_bytes(bytes(bad), "f16", False)
    # A float32 file whose flag byte says float16, without the trailer field.
    f32 = bytearray(models["skipgram"].read_bytes())
    f32[_flag_offset_any(bytes(f32))] = 2
    with pytest.raises(sentvec.FormatError):
        _core.load_model_bytes(bytes(f32), "f32", False)


def _flag_offset_any(data: bytes) -> int:
    _, _, dict_end = hostile.layout(data)
    return dict_end


def test_bit_flips_load_or_fail_cleanly(half_file):
    s = hostile.bit_flips(half_file.read_bytes(), "f16", 60)
    assert s["loaded"] + s["rejected"] == 60


def test_plain_files_have_no_float16_mark(models, tmp_path):
    """A model never converted is written exactly as before: flag 0, no storage field."""
    data = models["skipgram"].read_bytes()
    assert data[_flag_offset_any(data)] == 0 and b"storage=float16" not in data
    sentvec.load_model(models["skipgram"]).save_model(tmp_path / "same.bin")
    assert (tmp_path / "same.bin").read_bytes() == data
    assert struct.unpack("<i", data[:4])[0] == 793712314


def test_pickle_and_init_model(models, tmp_path):
    import pickle

    m = sentvec.load_model(models["supervised"]).to_float16()
    back = pickle.loads(pickle.dumps(m))
    assert back.is_float16()
    assert np.array_equal(back.embed_sentences(LINES), m.embed_sentences(LINES))
    m.save_model(tmp_path / "s16.bin")
    with pytest.raises(ValueError, match="float16 model cannot be trained further"):
        sentvec.train_supervised(str(tmp_path / "s16.bin"), init_model=str(tmp_path / "s16.bin"),
                                 verbose=0, epoch=1)


_LEVEL_CHILD = """
import sys, numpy as np, sentvec
from sentvec import _core
m = sentvec.load_model(sys.argv[1], mmap=True)
words = sys.argv[3].split("|")
np.savez(sys.argv[2], level=_core.simd_level(), wv=m.get_word_vectors(words),
         sv=m.embed_sentences(["the cat sat on the mat", "a big dog ran to the house"]))
"""


def test_every_simd_level_decodes_float16_rows_exactly(tmp_path):
    """The F16C kernel (avx2 level) and the scalar conversion give the same floats: those of
    numpy's float16 -> float32 (word vectors of a model whose rows are all edge values)."""
    import os

    path = write_bin(tmp_path / "e.bin", nwords=300, bucket=2000, dim=13, seed=4)  # 13: a tail of 5
    m = sentvec.load_model(path)
    rows, dim = m.get_input_matrix().shape
    rng = np.random.default_rng(9)
    bits = rng.integers(0, 1 << 16, rows * dim, dtype=np.uint16)
    vals = bits.view(np.float16).astype(np.float32)
    vals[~np.isfinite(vals)] = 1.0  # inf/NaN rows would only give NaN vectors
    m.set_matrices(vals.reshape(rows, dim), m.get_output_matrix(copy=True))
    ref = sentvec.load_model(path)
    ref.set_matrices(vals.reshape(rows, dim), ref.get_output_matrix(copy=True))
    m.to_float16().save_model(tmp_path / "e16.bin")
    words = ["w1", "w7", "oovword", "w250"]
    seen = set()
    for level in ("scalar", "avx2"):
        env = dict(os.environ, SENTVEC_SIMD=level)
        out = tmp_path / f"{level}.npz"
        subprocess.run([sys.executable, "-c", _LEVEL_CHILD, str(tmp_path / "e16.bin"), str(out), "|".join(words)],
                       env=env, check=True, capture_output=True, text=True)
        r = np.load(out)
        seen.add(str(r["level"]))
        # Each level equals the float32 model on the same (exactly representable) rows at that level.
        code = _LEVEL_CHILD.replace("sys.argv[1], mmap=True", "sys.argv[1]")
        out32 = tmp_path / f"{level}-32.npz"
        ref.save_model(tmp_path / "e32.bin")
        subprocess.run([sys.executable, "-c", code, str(tmp_path / "e32.bin"), str(out32), "|".join(words)],
                       env=env, check=True, capture_output=True, text=True)
        r32 = np.load(out32)
        assert np.array_equal(r["wv"], r32["wv"]) and np.array_equal(r["sv"], r32["sv"]), level
    assert "scalar" in seen
