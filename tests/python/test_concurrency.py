"""Concurrent queries: many Python threads on one model get exactly the single-thread results;
long calls release the GIL; a model works in a forked child."""

from __future__ import annotations

import os
import random
import threading
import time

import numpy as np
import pytest
import sentvec
from conftest import TESTDATA
from serve_models import write_bin

FTZ = TESTDATA / "golden" / "ft-supervised.ftz"
VALID = TESTDATA / "golden" / "cooking.valid.200"


@pytest.fixture(scope="module")
def skipgram_path(tmp_path_factory):
    return write_bin(tmp_path_factory.mktemp("conc") / "sg.bin", nwords=3000, bucket=20_000, dim=32, seed=5)


def lines():
    with open(VALID, encoding="utf-8") as f:
        return [ln.rstrip("\n") for ln in f][:200]


def queries(model, sup: bool):
    """A deterministic mix of every kind of query, as (name, callable) pairs."""
    ls = lines()
    words = [w for ln in ls for w in ln.split()][:400] + ["w1", "w17", "w2999", "oov-word", "ça"]
    qs = []
    for i, w in enumerate(words[:120]):
        qs.append((f"wv{i}", lambda w=w: model.get_word_vector(w)))
    qs.append(("wvs", lambda: model.get_word_vectors(words, threads=2)))
    for i, ln in enumerate(ls[:60]):
        qs.append((f"sv{i}", lambda ln=ln: model.get_sentence_vector(ln)))
    qs.append(("embed", lambda: model.embed_sentences(ls, threads=2)))
    if sup:
        for i, ln in enumerate(ls[:60]):
            qs.append((f"pred{i}", lambda ln=ln: model.predict(ln, k=3)))
        qs.append(("predb", lambda: model.predict(ls, k=2, threads=2)))
    else:
        for i, w in enumerate(["w1", "w5", "w77", "oov-word"]):
            qs.append((f"nn{i}", lambda w=w: model.get_nearest_neighbors(w, k=5)))
        qs.append(("an", lambda: model.get_analogies("w1", "w2", "w3", k=4)))
    return qs


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("kind", ["skipgram", "supervised"])
@pytest.mark.parametrize("mmap", [False, True], ids=["copy", "mmap"])
def test_threads_get_single_thread_results(kind, mmap, skipgram_path):
    path = FTZ if kind == "supervised" else skipgram_path
    if kind == "supervised" and mmap:
        path = FTZ  # quantized input is always in memory; the output matrix is mapped
    model = sentvec.load_model(path, mmap=mmap)
    qs = queries(model, kind == "supervised")
    expected = {name: fn() for name, fn in qs}
    errors = []

    def worker(seed):
        order = list(qs) * 2
        random.Random(seed).shuffle(order)
        try:
            for name, fn in order:
                if not same(fn(), expected[name]):
                    errors.append(name)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _progress_during(call) -> tuple[float, float]:
    """Run `call` in a thread while this thread spins; returns (iterations/s during the call,
    iterations/s alone)."""
    def spin(seconds):
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            n += 1
        return n / seconds

    alone = spin(0.2)
    done = threading.Event()
    window = {}

    def run():
        window["start"] = time.perf_counter()
        call()
        window["end"] = time.perf_counter()
        done.set()

    t = threading.Thread(target=run)
    n = 0
    t.start()
    while not done.is_set():
        n += 1
    t.join()
    return n / (window["end"] - window["start"]), alone


@pytest.mark.parametrize("call_name", ["embed_sentences", "get_word_vectors", "predict"])
def test_long_calls_release_the_gil(call_name, skipgram_path):
    sg = sentvec.load_model(skipgram_path)
    sup = sentvec.load_model(FTZ)
    ls = lines()
    big = [" ".join(ls[i % 200] for i in range(j, j + 8)) for j in range(6000)]
    words = [f"w{i % 3000}x" for i in range(150_000)]  # OOV: char n-gram rows, real work
    call = {
        "embed_sentences": lambda: sg.embed_sentences(big, threads=1),
        "get_word_vectors": lambda: sg.get_word_vectors(words, threads=1),
        "predict": lambda: sup.predict(big, k=5, threads=1),
    }[call_name]
    t = time.perf_counter()
    call()
    took = time.perf_counter() - t
    during, alone = _progress_during(call)
    print(f"{call_name}: {took:.2f} s; other thread ran at {during / alone:.0%} of its solo speed")
    # Holding the GIL would stop the other thread for the whole call (~0%).
    assert during > 0.25 * alone


@pytest.mark.parametrize("mmap", [False, True], ids=["copy", "mmap"])
def test_model_works_after_fork(mmap, skipgram_path):
    sg = sentvec.load_model(skipgram_path, mmap=mmap)
    sup = sentvec.load_model(FTZ, mmap=mmap)
    ls = lines()
    want = (sg.get_word_vectors(["w1", "w2", "oov"]), sg.embed_sentences(ls, threads=2),
            sg.get_nearest_neighbors("w3", k=3), sup.predict(ls, k=2, threads=2))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            got = (sg.get_word_vectors(["w1", "w2", "oov"]), sg.embed_sentences(ls, threads=2),
                   sg.get_nearest_neighbors("w3", k=3), sup.predict(ls, k=2, threads=2))
            code = 0 if same(list(got), list(want)) else 2
        except BaseException:  # noqa: BLE001
            code = 3
        os.write(w, bytes([code]))
        os._exit(code)
    os.close(w)
    _, status = os.waitpid(pid, 0)
    msg = os.read(r, 1)
    os.close(r)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, msg)
    # The parent still works too.
    assert same(sg.get_word_vectors(["w1", "w2", "oov"]), want[0])
