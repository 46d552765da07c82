"""Loading under limits (issue 11 items 7 and 10): mapped matrices are advised for random
access, and a crafted dictionary cannot make the loader do far more work than its size."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import sentvec
from conftest import TESTDATA
from serve_models import write_bin

REPRO = TESTDATA / "repro"


def vmas_of(path: str):
    """(start, end, VmFlags) of this process's mappings of `path` (from /proc/self/smaps)."""
    out, cur = [], None
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                cur = None
                if len(head) >= 6 and head[5] == path:
                    lo, hi = (int(x, 16) for x in head[0].split("-"))
                    cur = [lo, hi, ""]
                    out.append(cur)
            elif cur is not None and line.startswith("VmFlags:"):
                cur[2] = line.split(":", 1)[1].split()
    return out


def test_mapped_matrices_are_advised_for_random_access(tmp_path):
    # 40,000 x 16 floats = 2.5 MiB of input matrix: a row fault must not pull its neighbours.
    p = write_bin(tmp_path / "m.bin", nwords=1000, bucket=39_000, dim=16)
    m = sentvec.load_model(p, mmap=True)
    vmas = vmas_of(str(p.resolve()))
    assert vmas, "the model is not mapped"
    advised = sum(hi - lo for lo, hi, flags in vmas if "rr" in flags)  # VM_RAND_READ
    assert advised >= 40_000 * 16 * 4 - 4096, vmas
    copied = sentvec.load_model(p)  # a copying load keeps no mapping at all
    assert len(vmas_of(str(p.resolve()))) == len(vmas)
    assert copied.get_word_vector("w3").tolist() == m.get_word_vector("w3").tolist()


AMPLIFIER = textwrap.dedent(
    """
    import resource, sys
    import sentvec
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        sentvec.load_model(sys.argv[1])
        print("LOADED")
    except sentvec.FormatError as e:
        print("REFUSED", e)
    print("GROWTH_KIB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
    """
)


def test_char_ngram_amplification_is_refused_within_a_bounded_work():
    # One 100,000-byte word with minn 1 / maxn 64: 6.4 million subword ids (about 50 MB and
    # seconds of hashing) for a 100 KB file. Refused from the word lengths alone, before any
    # n-gram is computed: the peak memory grows by a few MiB at most.
    p = REPRO / "subword_amp_100000.bin"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-c", AMPLIFIER, str(p)], capture_output=True, text=True,
                       env=env, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "REFUSED" in r.stdout and "character n-grams" in r.stdout, r.stdout
    assert str(p) in r.stdout and "byte offset" in r.stdout
    growth = int(r.stdout.rsplit("GROWTH_KIB", 1)[1])
    assert growth < 8 * 1024, r.stdout


def test_a_real_dictionary_is_far_inside_the_bound(tmp_path):
    # 30,000 short words with fastText's 3..6 range and dim 2 (a small file for its words):
    # about 0.6 subword ids per byte of file, well inside the bound of 4.
    words = 30_000
    p = write_bin(tmp_path / "m.bin", nwords=words, bucket=10, dim=2)
    size = p.stat().st_size
    m = sentvec.load_model(p)
    assert len(m.get_words()) == words and size < 2_000_000
    ids = sum(len(m.get_subwords(f"w{i}")[1]) for i in range(0, words, 97)) * 97
    assert ids / size < 4


@pytest.mark.parametrize("name", ["subword_amp_100000.bin"])
def test_amplifier_is_in_the_fuzz_seed_corpus(name):
    seeds = TESTDATA.parent / "fuzz" / "seeds"
    assert (seeds / f"repro-{name}").read_bytes() == (REPRO / name).read_bytes()


@pytest.mark.parametrize("field,at", [("size", 0), ("nwords", 4), ("nlabels", 8), ("pruneidx_size", 20)])
def test_each_dictionary_header_field_has_its_own_message(tmp_path, field, at):
    import struct

    data = bytearray(write_bin(tmp_path / "m.bin", nwords=10, bucket=10, dim=2).read_bytes())
    start = 8 + 56  # magic, version, args
    struct.pack_into("<q" if field == "pruneidx_size" else "<i", data, start + at, -5)
    with pytest.raises(sentvec.FormatError, match=f"dictionary {field} -5") as e:
        sentvec._core.load_model_bytes(bytes(data), "m.bin", False)
    assert f"byte offset {start + at})" in str(e.value)
