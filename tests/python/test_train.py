"""Training (issue 3): determinism, official fastText reading our models, every loss,
pretrained vectors, errors, callback, progress output, Ctrl-C, the GIL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
import sentvec

fasttext = pytest.importorskip("fasttext")

# Small, fast options: a small bucket keeps the input matrix tiny.
SMALL = {"dim": 16, "epoch": 2, "bucket": 5000, "thread": 1, "verbose": 0, "seed": 1}
UNSUP = dict(SMALL, minCount=2, minn=2, maxn=4)
SUP = dict(SMALL, epoch=10, lr=0.5, wordNgrams=2)


def ft_predict(ft, lines, k=1):
    # official predict(str) breaks with numpy 2; its list form works
    labels, probs = ft.predict(lines, k=k)
    return labels, probs


# ------------------------------------------------------------------------------ determinism

@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_unsupervised_same_seed_same_bytes(tiny_corpus, tmp_path, model):
    paths = []
    for i, seed in enumerate([5, 5, 6]):
        m = sentvec.train_unsupervised(tiny_corpus, model=model, **dict(UNSUP, seed=seed))
        p = tmp_path / f"m{i}.bin"
        m.save_model(p)
        paths.append(p.read_bytes())
    assert paths[0] == paths[1]
    assert paths[0] != paths[2]


def test_supervised_same_seed_same_bytes(tiny_labelled, tmp_path):
    blobs = []
    for i in range(2):
        m = sentvec.train_supervised(tiny_labelled, **SUP)
        m.save_model(tmp_path / f"s{i}.bin")
        blobs.append((tmp_path / f"s{i}.bin").read_bytes())
    assert blobs[0] == blobs[1]


def test_two_threads_train(tiny_corpus):
    m = sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, thread=2))
    assert np.isfinite(m.get_input_matrix()).all()
    assert "cat" in m.words


# ----------------------------------------------------------------- official fastText reads it

def compare_with_official(m, path, words, lines):
    m.save_model(path)
    ft = fasttext.load_model(str(path))
    assert ft.get_words() == m.get_words()
    assert ft.get_labels() == m.get_labels()
    np.testing.assert_array_equal(ft.get_input_matrix(), m.get_input_matrix())
    np.testing.assert_array_equal(ft.get_output_matrix(), m.get_output_matrix())
    for w in words:
        np.testing.assert_allclose(m.get_word_vector(w), ft.get_word_vector(w), rtol=1e-5, atol=1e-6)
    for line in lines:
        np.testing.assert_allclose(m.get_sentence_vector(line), ft.get_sentence_vector(line),
                                   rtol=1e-5, atol=1e-6)
    return ft


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
def test_official_reads_unsupervised(tiny_corpus, tmp_path, model, loss):
    m = sentvec.train_unsupervised(tiny_corpus, model=model, loss=loss, **UNSUP)
    assert m.args["model"] == model and m.args["loss"] == loss
    words = ["cat", "dog", "café", "пример", "unknownword", "日本"]
    compare_with_official(m, tmp_path / "u.bin", words, ["the cat sat", "über straße", ""])
    # neighbours make sense as vectors, not only as bytes
    assert np.isfinite(m.get_input_matrix()).all()


@pytest.mark.parametrize("loss", ["softmax", "ns", "hs", "ova"])
def test_every_supervised_loss_trains_and_official_predicts_the_same(tiny_labelled, tmp_path, loss):
    m = sentvec.train_supervised(tiny_labelled, loss=loss, **SUP)
    with open(tiny_labelled, encoding="utf-8") as f:
        lines = [line.split(" ", 1)[1].rstrip("\n").replace("__label__extra ", "") for line in f][:300]
    ft = compare_with_official(m, tmp_path / "s.bin", ["bread", "goal", "zzz"], lines[:20])
    ours = m.predict(lines, k=2)
    theirs = ft_predict(ft, lines, k=2)
    assert [list(x) for x in ours[0]] == [list(x) for x in theirs[0]]
    np.testing.assert_allclose(np.array(ours[1]), np.array(theirs[1]), rtol=1e-4, atol=1e-5)
    n, p1, _ = m.test(tiny_labelled)
    assert (n, p1) == ft.test(str(tiny_labelled))[:2]
    assert p1 > 0.8, f"{loss}: precision@1 {p1}"


def test_supervised_char_ngrams_and_bucket_rule(tiny_labelled, tmp_path):
    # no word n-grams and no char n-grams: fastText uses no hashed rows at all
    m = sentvec.train_supervised(tiny_labelled, **dict(SUP, wordNgrams=1))
    assert m.get_input_matrix().shape[0] == len(m.words)
    m = sentvec.train_supervised(tiny_labelled, **dict(SUP, wordNgrams=1, minn=2, maxn=3))
    assert m.get_input_matrix().shape[0] == len(m.words) + SUP["bucket"]
    compare_with_official(m, tmp_path / "c.bin", ["bread", "breadx"], ["bake bread"])


def test_trailer_keeps_training_options(tiny_labelled, tmp_path):
    m = sentvec.train_supervised(tiny_labelled, **dict(SUP, seed=42, lr=0.25))
    m.save_model(tmp_path / "t.bin")
    back = sentvec.load_model(tmp_path / "t.bin")
    assert back.args["seed"] == 42 and back.args["lr"] == 0.25 and back.args["label"] == "__label__"


def test_vocabulary_counts(tiny_labelled):
    ours = sentvec.train_supervised(tiny_labelled, **dict(SUP, epoch=1, minCount=3))
    counts: dict = {}
    ntokens = 0
    with open(tiny_labelled, "rb") as f:
        for line in f:
            toks = line.split() + [b"</s>"]
            ntokens += len(toks)
            for t in toks:
                counts[t.decode()] = counts.get(t.decode(), 0) + 1
    ow, oc = ours.get_words(include_freq=True)
    assert dict(zip(ow, oc.tolist())) == {w: c for w, c in counts.items()
                                          if c >= 3 and not w.startswith("__label__")}
    ol, olc = ours.get_labels(include_freq=True)
    assert dict(zip(ol, olc.tolist())) == {w: c for w, c in counts.items() if w.startswith("__label__")}
    assert ours.f.ntokens == ntokens
    assert list(oc) == sorted(oc, reverse=True) and list(olc) == sorted(olc, reverse=True)


def test_stable_vocabulary_order(tmp_path):
    p = tmp_path / "ties.txt"
    p.write_text("zeta alpha mid\nmid alpha zeta\nbeta\n", encoding="utf-8")
    m = sentvec.train_unsupervised(p, **dict(UNSUP, minCount=1))
    # counts: zeta 2, alpha 2, mid 2, </s> 3, beta 1 -> ties keep first-occurrence order
    assert m.get_words() == ["</s>", "zeta", "alpha", "mid", "beta"]


def test_invalid_utf8_never_crashes(tmp_path):
    rng = np.random.default_rng(3)
    p = tmp_path / "bytes.txt"
    with open(p, "wb") as f:
        for _ in range(400):
            words = [bytes(rng.integers(0x80, 0x100, int(rng.integers(1, 6))).tolist()) for _ in range(6)]
            f.write(b" ".join(words + [b"ok", b"\xff\xfe", b"caf\xc3"]) + b"\n")
    m = sentvec.train_unsupervised(p, **dict(UNSUP, minCount=1))
    words = m.get_words(on_unicode_error="replace")
    assert "ok" in words
    assert np.isfinite(m.get_input_matrix()).all()
    m.save_model(tmp_path / "b.bin")
    ft = fasttext.load_model(str(tmp_path / "b.bin"))
    np.testing.assert_array_equal(ft.get_input_matrix(), m.get_input_matrix())


# ---------------------------------------------------------------------------- pretrained

def test_pretrained_vectors(tiny_corpus, tmp_path):
    base = sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, minn=0, maxn=0))
    vec = tmp_path / "pre.vec"
    base.save_vectors(vec)
    # extra word only in the .vec joins the vocabulary
    with open(vec, "r+", encoding="utf-8") as f:
        lines = f.read().splitlines()
        n, d = map(int, lines[0].split())
        lines[0] = f"{n + 1} {d}"
        lines.append("onlyinvec " + " ".join(["0.5"] * d) + " ")
        f.seek(0)
        f.write("\n".join(lines) + "\n")
        f.truncate()
    m = sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, minn=0, maxn=0, lr=1e-6, epoch=1,
                                                      pretrainedVectors=vec))
    assert "onlyinvec" in m.words
    np.testing.assert_allclose(m.get_word_vector("onlyinvec"), np.full(d, 0.5), atol=1e-4)
    np.testing.assert_allclose(m.get_word_vector("cat"), base.get_word_vector("cat"), atol=1e-3)


def test_pretrained_vectors_errors(tiny_corpus, tmp_path):
    bad = tmp_path / "bad.vec"
    bad.write_text("this is not a vec file\n")
    with pytest.raises(ValueError, match="vec"):
        sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, pretrainedVectors=bad))
    wrong_dim = tmp_path / "dim.vec"
    wrong_dim.write_text("1 3\ncat 1 2 3 \n")
    with pytest.raises(ValueError, match="dim"):
        sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, pretrainedVectors=wrong_dim))
    with pytest.raises(FileNotFoundError):
        sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, pretrainedVectors=tmp_path / "no.vec"))


# -------------------------------------------------------------------------------- errors

def test_corpus_errors(tmp_path, tiny_corpus):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        sentvec.train_unsupervised(tmp_path / "missing.txt", verbose=0)
    with pytest.raises(IsADirectoryError):
        sentvec.train_unsupervised(tmp_path, verbose=0)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty"):
        sentvec.train_unsupervised(empty, verbose=0)
    blank = tmp_path / "blank.txt"
    blank.write_text("   \t  ")
    with pytest.raises(ValueError, match="empty"):
        sentvec.train_supervised(blank, verbose=0)
    with pytest.raises(ValueError, match="minCount"):
        sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, minCount=10**9))
    with pytest.raises(ValueError, match="label"):
        sentvec.train_supervised(tiny_corpus, **SUP)


@pytest.mark.parametrize("option,value,words", [
    ("dim", 0, "dim"), ("lr", -1.0, "lr"), ("ws", 0, "ws"), ("epoch", 0, "epoch"),
    ("thread", 0, "thread"), ("neg", 0, "neg"), ("loss", "nope", "loss"), ("t", 0.0, "'t'"),
    ("minn", 5, "minn"), ("wordNgrams", 0, "wordNgrams"), ("lrUpdateRate", 0, "lrUpdateRate"),
    ("bucket", -1, "bucket"), ("model", "nope", "model"), ("dim", 2**40, "dim"), ("seed", -1, "seed"),
])
def test_option_out_of_range(tiny_corpus, option, value, words):
    opts = dict(UNSUP)
    opts[option] = value
    with pytest.raises(ValueError, match=words):
        sentvec.train_unsupervised(tiny_corpus, **opts)


def test_option_names(tiny_corpus, tiny_labelled):
    with pytest.raises(ValueError, match="'foo'"):
        sentvec.train_unsupervised(tiny_corpus, foo=1)
    with pytest.raises(ValueError, match="'model'"):
        sentvec.train_supervised(tiny_labelled, model="cbow")
    with pytest.raises(ValueError, match="ova"):
        sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, loss="ova"))
    with pytest.raises(ValueError, match="supervised"):
        sentvec.train_unsupervised(tiny_corpus, model="supervised")
    with pytest.raises(TypeError, match="dim"):
        sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, dim="10"))
    with pytest.raises(TypeError, match="multiple"):
        sentvec.train_supervised(tiny_labelled, minCount=1, min_count=1)
    with pytest.raises(ValueError, match="autotune"):  # autotune works (test_autotune.py); bad options fail
        sentvec.train_supervised(tiny_labelled, autotuneValidationFile=str(tiny_labelled), autotuneMetric="f2")
    # official aliases and positional order
    m = sentvec.train_supervised(tiny_labelled, 0.5, 8, min_count=2, word_ngrams=2, lr_update_rate=50,
                                 thread=1, verbose=0, epoch=1, bucket=1000)
    a = m.args
    assert (a["lr"], a["dim"], a["minCount"], a["wordNgrams"], a["lrUpdateRate"]) == (0.5, 8, 2, 2, 50)
    m = sentvec.train_unsupervised(str(tiny_corpus), "cbow", **dict(UNSUP, epoch=1))
    assert m.args["model"] == "cbow"


def test_defaults_are_fasttexts(tiny_labelled, tiny_corpus):
    m = sentvec.train_supervised(tiny_labelled, verbose=0, epoch=1, thread=1)
    a = m.args
    assert (a["lr"], a["dim"], a["minCount"], a["minn"], a["maxn"], a["loss"], a["wordNgrams"]) == \
        (0.1, 100, 1, 0, 0, "softmax", 1)
    assert m.get_input_matrix().shape == (len(m.words), 100)  # bucket unused
    m = sentvec.train_unsupervised(tiny_corpus, verbose=0, epoch=1, thread=1, bucket=100)
    a = m.args
    assert (a["model"], a["lr"], a["dim"], a["ws"], a["minCount"], a["minn"], a["maxn"], a["neg"],
            a["loss"], a["t"], a["lrUpdateRate"]) == ("skipgram", 0.05, 100, 5, 5, 3, 6, 5, "ns", 1e-4, 100)


def test_nan_loss_names_the_option(tiny_labelled):
    with pytest.raises(FloatingPointError, match="lr"):
        sentvec.train_supervised(tiny_labelled, **dict(SUP, lr=100.0, epoch=50, loss="ova"))


# ------------------------------------------------------------------- callback and progress

def test_callback_called_and_stops_early(tiny_corpus):
    seen = []

    def cb(p):
        seen.append(p)

    sentvec.train_unsupervised(tiny_corpus, callback=cb, **dict(UNSUP, epoch=1))
    assert seen and seen[-1].finished and seen[-1].progress == 1.0
    assert all(0 <= s.progress <= 1 and s.lr >= 0 for s in seen)

    calls = []

    def stop(p):
        calls.append(p)
        return False

    m = sentvec.train_unsupervised(tiny_corpus, callback=stop, **dict(UNSUP, epoch=200))
    assert len(calls) == 1 and calls[0].progress < 0.5
    assert "cat" in m.words

    def stop_iter(p):
        raise StopIteration

    sentvec.train_unsupervised(tiny_corpus, callback=stop_iter, **dict(UNSUP, epoch=200))

    class Boom(Exception):
        pass

    def boom(p):
        raise Boom("from the callback")

    with pytest.raises(Boom):
        sentvec.train_unsupervised(tiny_corpus, callback=boom, **dict(UNSUP, epoch=200))


def test_verbose_levels(tiny_corpus, capfd):
    sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, verbose=0))
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, verbose=2, epoch=1))
    out, err = capfd.readouterr()
    assert out == ""
    assert "Number of words:" in err and "Progress: 100.0%" in err
    assert "words/sec/thread:" in err and "avg.loss:" in err and "ETA:" in err


def test_gil_released(tiny_corpus):
    ticks = 0
    done = threading.Event()

    def run():
        sentvec.train_unsupervised(tiny_corpus, **dict(UNSUP, epoch=30))
        done.set()

    t = threading.Thread(target=run)
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    t.join()
    assert ticks > 50


INTERRUPT_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys, threading, time
    import sentvec
    path = sys.argv[1]
    marks = {}
    def fire():
        marks['sent'] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)
    threading.Timer(1.0, fire).start()
    try:
        sentvec.train_unsupervised(path, dim=16, epoch=100000, minCount=1, bucket=5000, thread=2,
                                   verbose=0, minn=2, maxn=4)
        result = 'finished'
    except KeyboardInterrupt:
        result = 'interrupted'
    marks['done'] = time.monotonic()
    print(json.dumps({'result': result, 'delay': marks['done'] - marks.get('sent', 0),
                      'threads': threading.active_count()}))
""")


def test_ctrl_c_interrupts_within_a_second(tiny_corpus, tmp_path):
    script = tmp_path / "interrupt.py"
    script.write_text(INTERRUPT_SCRIPT)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    proc = subprocess.run([sys.executable, str(script), str(tiny_corpus)], capture_output=True,
                          text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["result"] == "interrupted"
    assert r["delay"] < 1.0
    assert r["threads"] == 1


def test_init_buckets_zero_leaves_unused_hashed_rows_zero(tiny_labelled):
    """initBuckets="zero": hashed rows start at zero, so rows no feature reached stay zero, while
    the word rows start as always; "uniform" (the default) gives every row noise."""
    opts = dict(dim=8, epoch=1, wordNgrams=2, bucket=5000, thread=1, verbose=0, seed=2)
    zero = sentvec.train_supervised(str(tiny_labelled), initBuckets="zero", **opts)
    uniform = sentvec.train_supervised(str(tiny_labelled), **opts)
    nwords = len(zero.get_words())
    zin, uin = zero.get_input_matrix(), uniform.get_input_matrix()
    untouched = ~zin[nwords:].any(axis=1)
    assert 0 < untouched.sum() < 5000  # some hashed rows trained, most never reached
    assert np.all(uin[nwords:][untouched] != 0)  # uniform: those rows hold their starting noise
    np.testing.assert_array_equal(zin[:nwords] != 0, np.ones_like(zin[:nwords], dtype=bool))
    with pytest.raises(ValueError, match="initBuckets"):
        sentvec.train_supervised(str(tiny_labelled), initBuckets="gaussian", **opts)


def _used_rows(m):
    nwords = len(m.get_words())
    used = np.zeros(m.get_input_matrix().shape[0], dtype=bool)
    for w in m.get_words():
        used[m.get_subwords(w)[1]] = True
    return nwords, used


@pytest.mark.parametrize("kind", ["skipgram", "cbow", "supervised"])
@pytest.mark.parametrize("full_matrix", [False, True])
def test_init_buckets_used_trains_as_uniform_and_leaves_the_rest_zero(tiny_corpus, tiny_labelled, tmp_path,
                                                                       kind, full_matrix):
    """initBuckets="used" (skipgram/cbow's default): every row a vocabulary word uses starts and
    trains exactly as with "uniform" (the same bits after training, thread=1), and the char
    n-gram rows no word uses, which training never reaches, are zero instead of noise. With
    checkpoints (skipgram/cbow) or a validation file training runs on the full matrix, not the
    compact copy: the same model."""
    opts = dict(dim=8, epoch=1, bucket=20000, thread=1, verbose=0, seed=3, minn=2, maxn=4, minCount=1)
    if kind == "supervised":
        corpus = tiny_labelled
        train = lambda **kw: sentvec.train_supervised(str(corpus), **opts, **kw)  # noqa: E731
    else:
        corpus = tiny_corpus
        train = lambda **kw: sentvec.train_unsupervised(str(corpus), model=kind, **opts, **kw)  # noqa: E731
    extra = {}
    if full_matrix:
        extra = dict(validation=str(corpus)) if kind == "supervised" else dict(checkpoint=str(tmp_path / "ck"))
    used_model = train(initBuckets="used", **extra)
    uniform = train(initBuckets="uniform")
    if kind != "supervised":
        assert used_model.args["initBuckets"] == "used" and train().args["initBuckets"] == "used"
        np.testing.assert_array_equal(train().get_input_matrix(), used_model.get_input_matrix())
    nwords, used = _used_rows(used_model)
    a, b = used_model.get_input_matrix(), uniform.get_input_matrix()
    assert 0 < used[nwords:].sum() < 20000 * 0.9
    np.testing.assert_array_equal(a[used], b[used])
    np.testing.assert_array_equal(used_model.get_output_matrix(), uniform.get_output_matrix())
    assert not a[~used].any()          # never reached: zero
    assert np.all(b[~used] != 0)       # uniform: their starting noise
    # out-of-vocabulary words read only their n-grams' rows: the unused ones now add nothing
    oov = "qzxv"
    rows = used_model.get_subwords(oov)[1]
    np.testing.assert_allclose(used_model.get_word_vector(oov), a[rows].mean(axis=0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["skipgram", "cbow", "sent2vec"])
def test_update_window_is_deterministic_and_its_own_step(tiny_corpus, kind):
    """update="window" (the default: each word's rows read and updated once per window) repeats
    itself with thread=1 and a seed, and update="fasttext" selects the other step: the matrices
    differ by rounding (tests/cpp/test_train.cpp checks that "window" is fastText's step
    reordered: the same up to rounding where no row is shared)."""
    opts = dict(model=kind, dim=16, epoch=2, minCount=1, bucket=2000, thread=1, seed=5, verbose=0)
    a = sentvec.train_unsupervised(str(tiny_corpus), update="window", **opts)
    b = sentvec.train_unsupervised(str(tiny_corpus), update="window", **opts)
    f = sentvec.train_unsupervised(str(tiny_corpus), update="fasttext", **opts)
    np.testing.assert_array_equal(a.get_input_matrix(), b.get_input_matrix())
    np.testing.assert_array_equal(a.get_output_matrix(), b.get_output_matrix())
    assert not np.array_equal(a.get_input_matrix(), f.get_input_matrix())
    assert np.isfinite(a.get_input_matrix()).all()
    assert a.get_words() == f.get_words()


def test_update_option_is_checked(tiny_corpus, tiny_labelled):
    with pytest.raises(ValueError, match="update"):
        sentvec.train_unsupervised(str(tiny_corpus), model="skipgram", update="batch", verbose=0)
    with pytest.raises(ValueError, match="update"):
        sentvec.train_supervised(str(tiny_labelled), update="window", verbose=0)
    with pytest.raises(ValueError, match="'local' is a supervised step"):
        sentvec.train_unsupervised(str(tiny_corpus), model="cbow", update="local", verbose=0)
    with pytest.raises(ValueError, match="'local' is a supervised step"):
        sentvec.train_unsupervised(str(tiny_corpus), model="sent2vec", update="local", verbose=0)


def test_sent2vec_update_window_is_sent2vecs_step(tiny_corpus):
    """sent2vec's update="window" (the default: each sentence's rows read and written once) is
    sent2vec's step up to float rounding with one thread, words repeated in a line and n-grams
    sharing buckets included (tests/cpp/test_train.cpp: every loss, 5e-6 against 0.8 for
    another seed; here rounding grows to about 1e-4 of the seed's distance on longer lines)."""
    opts = dict(model="sent2vec", dim=16, epoch=2, minCount=1, bucket=50, wordNgrams=3, thread=1,
                seed=5, verbose=0)
    w = sentvec.train_unsupervised(str(tiny_corpus), **opts)
    f = sentvec.train_unsupervised(str(tiny_corpus), update="fasttext", **opts)
    other = sentvec.train_unsupervised(str(tiny_corpus), update="fasttext", **dict(opts, seed=6))
    seed_apart = np.abs(f.get_input_matrix() - other.get_input_matrix()).max()
    assert np.abs(w.get_input_matrix() - f.get_input_matrix()).max() < 1e-3 * seed_apart
    assert np.abs(w.get_output_matrix() - f.get_output_matrix()).max() < 1e-3 * seed_apart
    assert seed_apart > 0.01


@pytest.mark.parametrize("loss", ["softmax", "ova"])
def test_update_local_is_fasttexts_step_on_one_thread(tiny_labelled, loss):
    """update="local" (threads step on their own copy of the output matrix and merge every 16
    examples) is fastText's step when there is one thread: the same bits."""
    opts = dict(dim=12, epoch=3, lr=0.5, loss=loss, wordNgrams=2, bucket=5000, thread=1, seed=3, verbose=0)
    a = sentvec.train_supervised(str(tiny_labelled), update="local", **opts)
    f = sentvec.train_supervised(str(tiny_labelled), update="fasttext", **opts)
    np.testing.assert_array_equal(a.get_input_matrix(), f.get_input_matrix())
    np.testing.assert_array_equal(a.get_output_matrix(), f.get_output_matrix())


def test_update_local_engages_with_two_threads_only(tiny_labelled):
    """update="local" merges each thread's copy every 16 of its examples when more than one
    thread trains, and once more when the thread ends (the training report counts the merges and
    the examples), and never with one thread, with update="fasttext", or with a validation file
    (which reads the shared matrix)."""
    from sentvec import _core

    def run(**o):
        given = dict(dim=8, epoch=2, lr=0.5, wordNgrams=2, bucket=5000, seed=1, verbose=0, **o)
        report = {}
        _core.train("supervised", given, str(tiny_labelled), None, report=report)
        return report

    with open(tiny_labelled, encoding="utf-8") as f:
        examples = 2 * sum(1 for line in f if line.strip())
    report = run(thread=2)
    two, trained = report["local_merges"], report["examples"]
    # Threads stop when the shared token count reaches epoch * tokens, so a thread may train a
    # few lines past its share: the count is near 2 epochs' examples, not equal to it.
    assert abs(trained - examples) <= examples // 20, (trained, examples)
    # floor(e1/16) + floor(e2/16) + 2 final merges, with e1 + e2 = trained.
    assert trained // 16 + 1 <= two <= trained // 16 + 2, (two, trained)
    assert run(thread=2, loss="ova")["local_merges"] > 0
    one = run(thread=1)
    assert one["local_merges"] == 0
    # One thread too reads on until its unflushed tokens (at most lrUpdateRate) reach the count.
    assert examples <= one["examples"] <= examples + examples // 100, (one["examples"], examples)
    assert run(thread=2, update="fasttext")["local_merges"] == 0
    assert run(thread=2, loss="hs")["local_merges"] == 0
    assert run(thread=2, validation=str(tiny_labelled))["local_merges"] == 0


@pytest.mark.parametrize("loss", ["softmax", "ova"])
def test_update_local_learns_as_well_with_two_threads(tmp_path, loss):
    """With two threads update="local" fits a labelled corpus as well as fastText's step: held-out
    precision within 0.03 of it, far above chance (the merge is tested step by step in
    tests/cpp/test_train.cpp; P@1 on cooking/sst2 over seeds: bench/bench_train.py)."""
    rng = np.random.default_rng(1)
    vocab = {c: [f"c{c}w{i}" for i in range(12)] for c in range(8)}
    def lines(n):
        out = []
        for _ in range(n):
            c = int(rng.integers(8))
            words = list(rng.choice(vocab[c], 5)) + list(rng.choice(vocab[int(rng.integers(8))], 2))
            out.append(f"__label__{c} " + " ".join(words))
        return out
    train, test = tmp_path / "train.txt", tmp_path / "test.txt"
    train.write_text("\n".join(lines(4000)) + "\n")
    test.write_text("\n".join(lines(500)) + "\n")
    p = {}
    for update in ("fasttext", "local"):
        m = sentvec.train_supervised(str(train), update=update, dim=16, epoch=5, lr=0.5, loss=loss,
                                     thread=2, seed=1, verbose=0)
        p[update] = m.test(str(test))[1]
    assert p["local"] > 0.8 and abs(p["local"] - p["fasttext"]) <= 0.03, p


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
def test_update_window_fits_as_well_as_fasttexts_step(tmp_path, kind):
    """Both steps minimise the same loss. On a corpus with structure (lines of one topic each:
    words predict their topic's words), update="window" ends at a mean training loss within 5%
    of update="fasttext"'s (two seeds each), far below that of a run whose lr is too small to
    learn anything. (Word-vector quality on real text: bench/bench_train.py --update.)"""
    rng = np.random.default_rng(0)
    topics = [[f"t{t}w{i}" for i in range(20)] for t in range(10)]
    lines = [" ".join(rng.choice(topics[rng.integers(10)], 8)) for _ in range(3000)]
    corpus = tmp_path / "topics.txt"
    corpus.write_text("\n".join(lines) + "\n")

    def final_loss(update, seed, lr=0.05):
        seen = []
        sentvec.train_unsupervised(str(corpus), model=kind, update=update, dim=16, epoch=5, lr=lr,
                                   minCount=1, bucket=2000, thread=1, seed=seed, verbose=0,
                                   callback=lambda p: seen.append(p.loss) or True)
        return seen[-1]

    loss = {u: float(np.mean([final_loss(u, seed) for seed in (1, 2)])) for u in ("fasttext", "window")}
    untrained = final_loss("window", 1, lr=1e-7)
    assert abs(loss["window"] - loss["fasttext"]) <= 0.05 * loss["fasttext"], (loss, untrained)
    assert loss["window"] < 0.8 * untrained, (loss, untrained)
