"""The `sentvec` command line, run as `python -m sentvec` in a subprocess.

Every verb is run on small data and compared with the Python API and, where the official
`fasttext` package has the same function, with it.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sentvec
from conftest import SHARED, SHARED_MODELS, TESTDATA, needs_shared, official_train, parse_vectors, read_vec_lines
from helpers.procfs import limit_address_space

FTZ = TESTDATA / "golden" / "ft-supervised.ftz"
VALID = TESTDATA / "golden" / "cooking.valid.200"
HAVE_TRAINING = hasattr(sentvec, "train_unsupervised")
needs_training = pytest.mark.skipif(not HAVE_TRAINING, reason="this build has no training API yet")

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(sentvec.__file__)))


def cli_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [PKG_PARENT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    env.pop("SENTVEC_DEBUG", None)
    env.update(extra)
    return env


def run(*args, input: bytes | str | None = None, check: bool = True, timeout: float = 120, **kw):
    """Run `python -m sentvec ARGS`; returns the CompletedProcess with bytes stdout/stderr."""
    if isinstance(input, str):
        input = input.encode("utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "sentvec", *map(str, args)],
        input=input if input is not None else b"",
        capture_output=True,
        env=cli_env(),
        timeout=timeout,
        **kw,
    )
    if check and r.returncode != 0:
        raise AssertionError(
            f"sentvec {' '.join(map(str, args))} exited {r.returncode}: {r.stderr.decode(errors='replace')}"
        )
    return r


def assert_one_line_error(r, code: int, *needles: str):
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == code, (r.returncode, err)
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("sentvec: "), err
    for n in needles:
        assert n in err, err
    assert r.stdout == b""


@pytest.fixture(scope="session")
def official():
    fasttext = pytest.importorskip("fasttext")
    return fasttext


@pytest.fixture(scope="session")
def ftz_model():
    return sentvec.load_model(FTZ)


@pytest.fixture(scope="session")
def skipgram_bin(tiny_corpus, tmp_path_factory) -> Path:
    """A small dense skipgram model written by the official package (no shared data needed)."""
    pytest.importorskip("fasttext")
    out = tmp_path_factory.mktemp("cli-official") / "sg.bin"
    return official_train(
        out,
        False,
        tiny_corpus,
        model="skipgram",
        dim=12,
        epoch=2,
        minCount=2,
        bucket=5000,
        minn=2,
        maxn=4,
        thread=1,
        verbose=0,
    )


# ---------------------------------------------------------------------------------- usage and errors


def test_help_and_version():
    r = run("help")
    assert b"print-word-vectors" in r.stdout and b"sent2vec" in r.stdout and b"embed" in r.stdout
    r = run("help", "predict")
    assert b"usage: sentvec predict <model> <test-data> [k] [threshold]" in r.stdout
    r = run("skipgram", "-h")
    assert b"-wordNgrams" in r.stdout and b"-pretrainedVectors" in r.stdout
    assert run("--version").stdout.decode().startswith("sentvec ")


@pytest.mark.parametrize(
    "args, needle",
    [
        ([], None),
        (["frobnicate"], "unknown command"),
        (["predict", str(FTZ)], "needs <test-data>"),
        (["predict", str(FTZ), "-", "-bogus"], "unknown option -bogus"),
        (["predict", str(FTZ), "-", "0"], "<k> must be >= 1"),
        (["predict", str(FTZ), "-", "x"], "<k> must be an integer"),
        (["test", str(FTZ), str(VALID), "1", "0.0", "extra"], "too many arguments"),
        (["skipgram", "-input", "x"], "needs -output"),
        (["skipgram", "-output", "x"], "needs -input"),
        (["skipgram", "-input", "x", "-output", "y", "-dim", "abc"], "-dim expects an integer"),
        (["skipgram", "-input", "x", "-output", "y", "-lr"], "-lr needs a value"),
        (["cbow", "-input", "x", "-output", "y", "-dropoutK", "3"], "unknown option -dropoutK"),
        (["dump", str(FTZ), "everything"], "dump option must be one of"),
        (["convert", str(FTZ), "x.vec", "-which", "middle"], "-which must be input or output"),
        (["quantize", "-input", "x"], "needs -output"),
        # autotune is fastText's for supervised models only (on `supervised` the flags reach the API)
        (["skipgram", "-input", "x", "-output", "y", "-autotune-validation", "v"], "autotune option"),
        (["supervised", "-input", "x", "-output", "y", "-qnorm"], "quantization option"),
    ],
)
def test_usage_errors_exit_2(args, needle):
    r = run(*args, check=False)
    if not args:  # no command: the command list on stderr
        assert r.returncode == 2 and b"usage: sentvec" in r.stderr and b"Traceback" not in r.stderr
        return
    assert_one_line_error(r, 2, "usage error", needle)


def test_user_errors_exit_1(tmp_path, ftz_model):
    missing = tmp_path / "missing.bin"
    assert_one_line_error(run("predict", missing, "-", check=False), 1, str(missing), "No such file")
    notmodel = tmp_path / "notes.txt"
    notmodel.write_text("just some text, not a model\n" * 20)
    assert_one_line_error(
        run("print-word-vectors", notmodel, input="a", check=False), 1, "notes.txt", "magic"
    )
    assert_one_line_error(run("nn", tmp_path, "-query", "a", check=False), 1, "directory")
    assert_one_line_error(run("test", FTZ, tmp_path / "nope.txt", check=False), 1, "nope.txt")
    assert_one_line_error(
        run("embed", FTZ, VALID, tmp_path / "no" / "such" / "dir.npy", check=False), 1, "does not exist"
    )
    assert_one_line_error(
        run("embed", FTZ, tmp_path / "nope.txt", tmp_path / "x.npy", check=False), 1, "nope.txt"
    )
    # the input matrix of a quantized model has no dense rows to print
    assert_one_line_error(run("dump", FTZ, "input", check=False), 1, "quantized")
    assert not (tmp_path / "x.npy").exists()


def test_user_error_unsupervised_predict(skipgram_bin):
    assert_one_line_error(run("predict", skipgram_bin, "-", input="a b\n", check=False), 1, "supervised")


def test_broken_pipe_is_quiet(ftz_model):
    words = " ".join(ftz_model.get_words()) * 20
    p = subprocess.Popen(
        f"{sys.executable} -m sentvec print-word-vectors {FTZ} | head -n 2",
        shell=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    out, err = p.communicate(words.encode(), timeout=60)
    assert out.count(b"\n") == 2
    assert b"Traceback" not in err and b"BrokenPipe" not in err


# ---------------------------------------------------------------------------------- vectors


def test_print_word_vectors_golden_and_official(ftz_model, official):
    words_txt = TESTDATA / "golden" / "ft-supervised.ftz.words.txt"
    r = run("print-word-vectors", FTZ, input=words_txt.read_bytes())
    words, got = parse_vectors(r.stdout, with_word=True)
    gwords, gold = read_vec_lines(TESTDATA / "golden" / "ft-supervised.ftz.words.vec", with_word=True)
    assert words == gwords
    np.testing.assert_allclose(got, gold, atol=2e-4, rtol=2e-4)
    # the same numbers as the API, printed like %.5g with a trailing space
    api = ftz_model.get_word_vectors(words)
    expected = "".join(w + " " + "".join(f"{x:.5g} " for x in v.tolist()) + "\n" for w, v in zip(words, api))
    assert r.stdout.decode("utf-8") == expected
    off = official.load_model(str(FTZ))
    np.testing.assert_allclose(got, np.array([off.get_word_vector(w) for w in words]), atol=2e-4, rtol=2e-4)


def test_print_word_vectors_file_argument_and_tokens(ftz_model):
    # tokens are split on any whitespace, as fastText reads them with `cin >> word`
    r1 = run("print-word-vectors", FTZ, input="bread  oven\tsalt\n\nsugar")
    assert [line.split(" ")[0] for line in r1.stdout.decode().splitlines()] == [
        "bread",
        "oven",
        "salt",
        "sugar",
    ]
    assert r1.stdout == run("print-word-vectors", FTZ, "-", input="bread oven salt sugar").stdout


def test_print_sentence_vectors(ftz_model, official):
    lines = (TESTDATA / "golden" / "ft-supervised.ftz.sentences.txt").read_text("utf-8").split("\n")[:-1]
    r = run("print-sentence-vectors", FTZ, input="\n".join(lines) + "\n")
    _, got = parse_vectors(r.stdout, with_word=False)
    assert got.shape == (len(lines), ftz_model.get_dimension())
    _, gold = read_vec_lines(TESTDATA / "golden" / "ft-supervised.ftz.sentences.vec", with_word=False)
    np.testing.assert_allclose(got, gold, atol=2e-4, rtol=2e-4)
    api = np.array([ftz_model.get_sentence_vector(s) for s in lines])
    np.testing.assert_allclose(got, api, atol=1e-5, rtol=1e-4)
    off = official.load_model(str(FTZ))
    np.testing.assert_allclose(
        got, np.array([off.get_sentence_vector(s) for s in lines]), atol=2e-4, rtol=2e-4
    )
    # a last line without a newline is still a line; a file argument works like stdin
    r2 = run("print-sentence-vectors", FTZ, input="bread oven\nsalt")
    assert r2.stdout.count(b"\n") == 2


@needs_shared
@pytest.mark.parametrize("stem", ["ft-skipgram", "ft-cbow", "ft-supervised", "s2v"])
def test_print_vectors_match_official_goldens(stem):
    """The official CLI's own print-word-vectors / print-sentence-vectors output, for every fixture."""
    model = SHARED_MODELS / f"{stem}.bin"
    r = run("print-word-vectors", model, input=(SHARED_MODELS / f"{stem}.words.txt").read_bytes())
    words, got = parse_vectors(r.stdout, with_word=True)
    gwords, gold = read_vec_lines(SHARED_MODELS / f"{stem}.words.vec", with_word=True)
    assert words == gwords
    np.testing.assert_allclose(got, gold, atol=2e-4, rtol=2e-4)
    r = run("print-sentence-vectors", model, input=(SHARED_MODELS / f"{stem}.sentences.txt").read_bytes())
    _, got = parse_vectors(r.stdout, with_word=False)
    _, gold = read_vec_lines(SHARED_MODELS / f"{stem}.sentences.vec", with_word=False)
    assert got.shape == gold.shape
    np.testing.assert_allclose(got, gold, atol=2e-4, rtol=2e-4)


def test_print_ngrams(skipgram_bin, official):
    m = sentvec.load_model(skipgram_bin)
    r = run("print-ngrams", skipgram_bin, "the")
    names, got = parse_vectors(r.stdout, with_word=True)
    subwords, ids = m.get_subwords("the")
    assert names == list(subwords)
    np.testing.assert_allclose(got, m.get_input_matrix()[ids], atol=1e-4, rtol=1e-4)
    off_sub, off_ids = official.load_model(str(skipgram_bin)).get_subwords("the")
    assert names == list(off_sub) and list(ids) == list(off_ids)


def test_nn_and_analogies(skipgram_bin, official):
    m = sentvec.load_model(skipgram_bin)
    off = official.load_model(str(skipgram_bin))
    r = run("nn", skipgram_bin, "5", "-query", "cat dog")
    lines = r.stdout.decode().splitlines()
    assert len(lines) == 10
    expected = m.get_nearest_neighbors("cat", 5) + m.get_nearest_neighbors("dog", 5)
    assert [ln.split(" ")[0] for ln in lines] == [w for _, w in expected]
    np.testing.assert_allclose([float(ln.split(" ")[1]) for ln in lines], [s for s, _ in expected], atol=1e-5)
    assert [w for _, w in off.get_nearest_neighbors("cat", 5)] == [ln.split(" ")[0] for ln in lines[:5]]
    # without -query, words are read from standard input (no prompt when it is not a terminal)
    assert run("nn", skipgram_bin, "5", input="cat\ndog\n").stdout == r.stdout

    r = run("analogies", skipgram_bin, "3", input="cat dog fish\n")
    lines = r.stdout.decode().splitlines()
    expected = m.get_analogies("cat", "dog", "fish", 3)
    assert [ln.split(" ")[0] for ln in lines] == [w for _, w in expected]
    assert [w for _, w in off.get_analogies("cat", "dog", "fish", 3)] == [w for _, w in expected]
    assert run("analogies", skipgram_bin, "3", "-query", "cat dog fish").stdout == r.stdout
    assert_one_line_error(run("analogies", skipgram_bin, "-query", "cat dog", check=False), 2, "3 words")


# ---------------------------------------------------------------------------------- classification


def test_predict_and_predict_prob(ftz_model, official):
    lines = VALID.read_text("utf-8").split("\n")[:-1]
    r = run("predict-prob", FTZ, VALID, 3)
    got = r.stdout.decode().split("\n")[:-1]
    gold = (TESTDATA / "golden" / "ft-supervised.ftz.predict.txt").read_text("utf-8").split("\n")[:-1]
    labels, probs = ftz_model.predict(lines, k=3)
    off_labels, off_probs = official.load_model(str(FTZ)).predict(lines, k=3)
    assert len(got) == len(gold) == len(lines)
    for g, o, ls, ps, ols, ops in zip(got, gold, labels, probs, off_labels, off_probs):
        parts, gparts = g.split(" "), o.split(" ")
        assert parts[0::2] == gparts[0::2] == list(ls) == list(ols)
        np.testing.assert_allclose(
            [float(x) for x in parts[1::2]], [float(x) for x in gparts[1::2]], atol=2e-5
        )
        assert parts[1::2] == [f"{p:g}" for p in ps]
        np.testing.assert_allclose([float(x) for x in parts[1::2]], ops, atol=2e-5)
    # predict: labels only; '-' reads standard input; k and threshold are positional
    r = run("predict", FTZ, "-", 2, input=VALID.read_bytes())
    assert r.stdout.decode().split("\n")[:-1] == [" ".join(ls[:2]) for ls in labels]
    r = run("predict-prob", FTZ, VALID, 5, 0.2)
    th_labels, th_probs = ftz_model.predict(lines, k=5, threshold=0.2)
    assert r.stdout.decode().split("\n")[:-1] == [
        " ".join(f"{lab} {p:g}" for lab, p in zip(ls, ps)) for ls, ps in zip(th_labels, th_probs)
    ]


@needs_shared
@pytest.mark.parametrize("name", ["ft-supervised.bin", "ft-supervised.ftz"])
def test_test_output_is_the_official_cli_output(name):
    """`test` prints exactly what the official CLI printed (N, P@1, R@1 with 3 significant digits)."""
    stem = name[: -len(".bin")] if name.endswith(".bin") else name
    valid = SHARED / "data" / "classification" / "cooking.valid"
    r = run("test", SHARED_MODELS / name, valid, 1)
    assert r.stdout == (SHARED_MODELS / f"{stem}.test.txt").read_bytes()
    r = run("predict-prob", SHARED_MODELS / name, SHARED_MODELS / "cooking.valid.200", 3)
    got = r.stdout.decode().split("\n")[:-1]
    gold = (SHARED_MODELS / f"{stem}.predict.txt").read_text("utf-8").split("\n")[:-1]
    assert [g.split(" ")[0::2] for g in got] == [g.split(" ")[0::2] for g in gold]


def test_test_and_test_label(ftz_model, official):
    r = run("test", FTZ, VALID)
    n, p, rec = ftz_model.test(VALID)
    assert r.stdout.decode() == f"N\t{n}\nP@1\t{p:.3g}\nR@1\t{rec:.3g}\n"
    on, op, orec = official.load_model(str(FTZ)).test(str(VALID))
    assert (n, round(p, 6), round(rec, 6)) == (on, round(op, 6), round(orec, 6))
    # with k, from standard input, and with the progress line (chunked): same numbers
    r2 = run("test", FTZ, "-", 2, input=VALID.read_bytes())
    n2, p2, r2_ = ftz_model.test(VALID, 2)
    assert r2.stdout.decode() == f"N\t{n2}\nP@2\t{p2:.3g}\nR@2\t{r2_:.3g}\n"
    r3 = run("test", FTZ, VALID, 2, "-progress")
    assert r3.stdout == r2.stdout and (b"ETA" in r3.stderr or b"took" in r3.stderr)

    r = run("test-label", FTZ, VALID)
    per = ftz_model.test_label(VALID)
    lines = r.stdout.decode().split("\n")[:-1]
    assert lines[-3:] == [f"N\t{n}", f"P@1\t{p:.3g}", f"R@1\t{rec:.3g}"]
    assert len(lines) == len(per) + 3
    off_per = official.load_model(str(FTZ)).test_label(str(VALID))
    assert sorted(off_per) == sorted(per)
    for label, m in per.items():
        for key, v in m.items():
            assert (v != v and off_per[label][key] != off_per[label][key]) or abs(
                v - off_per[label][key]
            ) < 1e-9, (label, key)
    first_label, first = next(iter(per.items()))
    assert lines[0].endswith(" " + first_label) and lines[0].startswith("F1-Score : ")
    shown = lines[0].split()
    for name, key in (("F1-Score", "f1score"), ("Precision", "precision"), ("Recall", "recall")):
        v = shown[shown.index(name) + 2]
        assert v == "--------" if first[key] != first[key] else abs(float(v) - first[key]) < 1e-6


# ---------------------------------------------------------------------------------- dump, embed, convert


def test_dump(ftz_model, skipgram_bin):
    args = run("dump", FTZ, "args").stdout.decode().splitlines()
    a = ftz_model.args
    assert args == [
        f"dim {a['dim']}",
        f"ws {a['ws']}",
        f"epoch {a['epoch']}",
        f"minCount {a['minCount']}",
        f"neg {a['neg']}",
        f"wordNgrams {a['wordNgrams']}",
        "loss softmax",
        "model sup",
        f"bucket {a['bucket']}",
        f"minn {a['minn']}",
        f"maxn {a['maxn']}",
        f"lrUpdateRate {a['lrUpdateRate']}",
        "t 0.0001",
    ]
    d = run("dump", FTZ, "dict").stdout.decode().split("\n")[:-1]
    words, wf = ftz_model.get_words(include_freq=True)
    labels, lf = ftz_model.get_labels(include_freq=True)
    assert int(d[0]) == len(words) + len(labels) == len(d) - 1
    assert d[1] == f"{words[0]} {wf[0]} word" and d[-1] == f"{labels[-1]} {lf[-1]} label"
    out = run("dump", FTZ, "output").stdout.decode().split("\n")[:-1]
    om = ftz_model.get_output_matrix()
    assert out[0] == f"{om.shape[0]} {om.shape[1]}" and len(out) == om.shape[0] + 1
    np.testing.assert_allclose(
        np.array([[float(x) for x in ln.split(" ")] for ln in out[1:]]), om, atol=1e-5, rtol=1e-5
    )
    inp = run("dump", skipgram_bin, "input").stdout.decode().split("\n")[:-1]
    im = sentvec.load_model(skipgram_bin).get_input_matrix()
    assert inp[0] == f"{im.shape[0]} {im.shape[1]}" and len(inp) == im.shape[0] + 1
    assert run("dump", skipgram_bin, "args").stdout.decode().splitlines()[7] == "model sg"


@pytest.mark.parametrize("progress", [False, True])
def test_embed(ftz_model, tmp_path, progress):
    lines = VALID.read_text("utf-8").split("\n")[:-1] + ["", "bread"]
    src = tmp_path / "sentences.txt"
    src.write_text("\n".join(lines), encoding="utf-8")  # no newline after the last line
    out = tmp_path / "emb.npy"
    r = run("embed", FTZ, src, out, "-thread", 2, *(["-progress"] if progress else []))
    arr = np.load(out)
    assert arr.dtype == np.float32 and arr.shape == (len(lines), ftz_model.get_dimension())
    np.testing.assert_array_equal(arr, ftz_model.embed_sentences(lines))
    if progress:
        assert b"embed" in r.stderr and b"lines/s" in r.stderr
    else:
        assert r.stderr == b""
    # standard input
    out2 = tmp_path / "emb2.npy"
    run("embed", FTZ, "-", out2, input=src.read_bytes())
    np.testing.assert_array_equal(np.load(out2), arr)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_convert(ftz_model, tmp_path):
    out = tmp_path / "cli.vec"
    run("convert", FTZ, out)
    api = tmp_path / "api.vec"
    ftz_model.save_vectors(api)
    assert out.read_bytes() == api.read_bytes()
    run("convert", FTZ, out, "-which", "output")
    ftz_model.save_vectors(api, which="output")
    assert out.read_bytes() == api.read_bytes()
    run("convert", FTZ, out, "-which", "output", "-binary")
    ftz_model.save_vectors(api, which="output", binary=True)
    assert out.read_bytes() == api.read_bytes()


# ---------------------------------------------------------------------------------- progress


def run_with_tty_stderr(*args, input: bytes = b""):
    """Run the CLI with standard error on a pseudo-terminal; returns (rc, stdout, terminal output)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(
        [sys.executable, "-m", "sentvec", *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=cli_env(),
    )
    os.close(slave)
    out, _ = p.communicate(input, timeout=120)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return p.returncode, out, b"".join(chunks)


def test_progress_on_a_terminal_only(tmp_path):
    src = tmp_path / "s.txt"
    src.write_bytes(VALID.read_bytes() * 5)
    rc, out, term = run_with_tty_stderr("embed", FTZ, src, tmp_path / "a.npy")
    assert rc == 0 and b"lines/s" in term and b"%" in term
    rc, out, term = run_with_tty_stderr("embed", FTZ, src, tmp_path / "b.npy", "-no-progress")
    assert rc == 0 and term == b""
    r = run("embed", FTZ, src, tmp_path / "c.npy")  # stderr is a pipe: quiet
    assert r.stderr == b""
    r = run("print-sentence-vectors", FTZ, src, "-verbose", 2)
    assert b"lines/s" in r.stderr and r.stdout.count(b"\n") == 1000


# ---------------------------------------------------------------------------------- training

TRAIN_SMALL = ["-dim", 10, "-epoch", 1, "-thread", 1, "-bucket", 5000, "-minCount", 1, "-seed", 3]


@needs_training
@pytest.mark.parametrize("verb", ["skipgram", "cbow", "sent2vec"])
def test_train_unsupervised_verbs(verb, tiny_corpus, tmp_path, official):
    out = tmp_path / verb
    r = run(verb, "-input", tiny_corpus, "-output", out, *TRAIN_SMALL, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stderr == b""  # not a terminal: quiet
    m = sentvec.load_model(f"{out}.bin")
    assert m.args["model"] == verb and m.get_dimension() == 10
    # the same options through the API give the same model (thread 1 + seed: reproducible)
    api = sentvec.train_unsupervised(
        str(tiny_corpus), model=verb, dim=10, epoch=1, thread=1, bucket=5000, minCount=1, seed=3, verbose=0
    )
    np.testing.assert_array_equal(api.get_input_matrix(), m.get_input_matrix())
    vec = Path(f"{out}.vec").read_text("utf-8").split("\n")
    assert vec[0] == f"{len(m.get_words())} 10"
    if verb != "sent2vec":
        off = official.load_model(f"{out}.bin")
        np.testing.assert_allclose(off.get_word_vector("cat"), m.get_word_vector("cat"), atol=1e-5)


@needs_training
def test_train_supervised_verb(tiny_labelled, tmp_path, official):
    out = tmp_path / "sup"
    run(
        "supervised",
        "-input",
        tiny_labelled,
        "-output",
        out,
        "-epoch",
        3,
        "-lr",
        0.5,
        "-wordNgrams",
        2,
        "-thread",
        1,
        "-bucket",
        5000,
        "-seed",
        2,
        "-saveOutput",
    )
    m = sentvec.load_model(f"{out}.bin")
    assert m.args["model"] == "supervised"
    assert (
        Path(f"{out}.output").read_text("utf-8").split("\n")[0]
        == f"{len(m.get_labels())} {m.get_dimension()}"
    )
    n, p, _ = m.test(tiny_labelled)
    assert p > 0.5
    r = run("test", f"{out}.bin", tiny_labelled)
    assert r.stdout.decode().startswith(f"N\t{n}\nP@1\t{p:.3g}\n")
    off = official.load_model(f"{out}.bin")
    line = "bread cheese oven the"
    assert list(off.predict([line], k=2)[0][0]) == list(m.predict(line, k=2)[0])


@needs_training
def test_train_from_stdin_and_progress(tiny_corpus, tmp_path):
    out = tmp_path / "sg"
    r = run(
        "skipgram", "-input", "-", "-output", out, *TRAIN_SMALL, "-verbose", 2, input=tiny_corpus.read_bytes()
    )
    assert Path(f"{out}.bin").exists() and Path(f"{out}.vec").exists()
    assert b"%" in r.stderr  # asked for: the training progress line


@needs_training
def test_train_errors(tmp_path, tiny_corpus):
    assert_one_line_error(
        run("skipgram", "-input", tmp_path / "none.txt", "-output", tmp_path / "m", check=False),
        1,
        "none.txt",
    )
    assert_one_line_error(
        run("skipgram", "-input", tiny_corpus, "-output", tmp_path / "m", "-loss", "nope", check=False),
        1,
        "loss",
    )
    assert_one_line_error(
        run("skipgram", "-input", tiny_corpus, "-output", tmp_path / "no" / "m", check=False),
        1,
        "does not exist",
    )
    assert not list(tmp_path.iterdir())


@needs_training
def test_demo(tmp_path):
    r = run("demo", "-output", tmp_path, "-lines", 4000, "-epoch", 1, "-dim", 20, timeout=300)
    text = r.stdout.decode()
    assert "Nearest neighbours" in text and "Most similar pairs" in text
    assert str(tmp_path) in text
    saved = [p for p in tmp_path.iterdir() if p.suffix == ".bin"]
    assert [p.name for p in saved] == ["gutenberg-sent2vec.bin"], r.stderr
    m = sentvec.load_model(saved[0])
    assert m.get_dimension() == 20 and m.args["model"] == "sent2vec"
    assert r.stderr == b""  # not a terminal: no progress bar, no fallback note


def _demo_report(stdout: bytes, folder: Path) -> str:
    """The demo's output without what legitimately varies: the training time and the folder."""
    lines = stdout.decode().replace(str(folder), "DIR").splitlines()
    return "\n".join(ln for ln in lines if not ln.startswith("Trained in "))


@needs_training
def test_demo_is_deterministic(tmp_path):
    small = ["-lines", 4000, "-epoch", 1, "-dim", 20]
    a, b = tmp_path / "a", tmp_path / "b"
    ra = run("demo", "-output", a, *small, timeout=300)
    rb = run("demo", "-output", b, *small, timeout=300)
    assert "seed 1, reproducible" in ra.stdout.decode()
    assert _demo_report(ra.stdout, a) == _demo_report(rb.stdout, b)
    assert (a / "gutenberg-sent2vec.bin").read_bytes() == (b / "gutenberg-sent2vec.bin").read_bytes()


@needs_training
def test_demo_shows_what_it_claims(tmp_path):
    """The full demo, as a first-time user runs it: the paraphrase pairs are the most similar pairs,
    and the neighbours' cosines are spread out, not all near 1."""
    from sentvec.cli import demo

    r = run("demo", "-output", tmp_path, timeout=600)
    text = r.stdout.decode()
    pairs = text.split("Most similar pairs")[1].split("Least similar")[0].splitlines()[1:]
    shown = {tuple(int(x.strip("[]")) for x in ln.split()[1::2]) for ln in pairs}
    assert shown == {(2 * i, 2 * i + 1) for i in range(len(demo.SHOWN_PAIRS))}, text
    cosines = [float(part.rsplit(" ", 1)[1]) for ln in text.split("mean word vector):")[1].split("\n\n")[0]
               .splitlines()[1:] for part in ln.split(", ")]
    assert len(cosines) == 6 * len(demo.QUERY_WORDS)
    assert min(cosines) < 0.6 and max(cosines) - min(cosines) > 0.2, cosines


def test_bundled_corpus_is_readable():
    from sentvec.cli import demo

    data = demo.read_corpus(lines=100)
    assert data.count(b"\n") == 100
    assert os.path.getsize(demo.corpus_path()) < 4_000_000
    readme = Path(demo.corpus_path()).parent / "README.md"
    assert "public domain" in readme.read_text("utf-8")


@needs_training
def test_training_progress_on_a_terminal(tiny_corpus, tmp_path):
    rc, out, term = run_with_tty_stderr(
        "cbow", "-input", tiny_corpus, "-output", tmp_path / "m", *TRAIN_SMALL
    )
    assert rc == 0 and b"Progress:" in term and b"ETA" in term
    assert (tmp_path / "m.bin").exists()


@needs_training
def test_ctrl_c_stops_training_cleanly(tiny_corpus, tmp_path):
    import signal
    import time

    big = tmp_path / "big.txt"
    big.write_bytes(tiny_corpus.read_bytes() * 20)
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sentvec",
            "skipgram",
            "-input",
            str(big),
            "-output",
            str(tmp_path / "m"),
            "-epoch",
            "50",
            "-thread",
            "1",
            "-dim",
            "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    time.sleep(1.5)
    assert p.poll() is None, p.communicate()[1]
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert b"Traceback" not in err and err.strip().endswith(b"interrupted")
    assert not (tmp_path / "m.bin").exists() and not (tmp_path / "m.vec").exists()


# ---------------------------------------------------------------------------------- hostile input and streams


def run_raw(*args, env_extra: dict | None = None, preexec=None, stdin=None, timeout: float = 120):
    """Run the CLI with a given standard input file and an optional pre-exec hook (limits, closed fds)."""
    return subprocess.run(
        [sys.executable, "-m", "sentvec", *map(str, args)],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        env=cli_env(**(env_extra or {})),
        preexec_fn=preexec,
        timeout=timeout,
    )


def test_print_word_vectors_dev_zero_stops_with_a_clear_error():
    """`< /dev/zero` has no whitespace: the word would grow without end; it stops at the line limit."""
    with open("/dev/zero", "rb") as zero:
        r = run_raw("print-word-vectors", FTZ, stdin=zero, preexec=limit_address_space(3 << 30))
    assert_one_line_error(r, 1, "standard input", "longer than 256 MiB", "SENTVEC_MAX_LINE_BYTES")


@pytest.mark.parametrize(
    "args",
    [
        ["print-word-vectors", FTZ],
        ["print-sentence-vectors", FTZ],
        ["predict", FTZ, "-"],
        ["test", FTZ, "-"],
        ["nn", FTZ],
        ["embed", FTZ, "-", "OUT"],
        ["skipgram", "-input", "-", "-output", "OUT"],
    ],
)
def test_every_stdin_reader_is_bounded(args, tmp_path):
    """The same limit for every verb that reads standard input (here lowered to 2 MiB)."""
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    with open("/dev/zero", "rb") as zero:
        r = run_raw(*args, stdin=zero, env_extra={"SENTVEC_MAX_LINE_BYTES": str(2 << 20)}, timeout=60)
    assert_one_line_error(r, 1, "standard input", "longer than 2 MiB")
    assert list(tmp_path.iterdir()) == []


def test_long_words_and_lines_below_the_limit_still_work(ftz_model):
    word = "x" * (3 << 20)  # longer than a read block, shorter than the limit
    r = run("print-word-vectors", FTZ, input=f"bread {word} oven")
    lines = r.stdout.decode().split("\n")[:-1]
    assert [ln.split(" ")[0] for ln in lines] == ["bread", word, "oven"]
    assert lines[1] == word + " " + "".join(f"{x:.5g} " for x in ftz_model.get_word_vector(word).tolist())
    r = run("print-sentence-vectors", FTZ, input=f"bread {word}\noven\n")
    assert r.stdout.count(b"\n") == 2


@pytest.mark.parametrize("args", [["print-word-vectors", FTZ], ["predict", FTZ, "-"], ["nn", FTZ]])
def test_closed_stdin_is_a_clear_error(args):
    r = run_raw(*args, preexec=lambda: os.close(0))
    assert_one_line_error(r, 1, "standard input is closed")


@pytest.mark.parametrize("args", [["dump", FTZ, "args"], ["test", FTZ, VALID], ["help"], ["--version"]])
def test_closed_stdout_is_a_clear_error(args):
    r = run_raw(*args, preexec=lambda: os.close(1))
    assert_one_line_error(r, 1, "standard output is closed")


@pytest.mark.parametrize(
    "args",
    [
        ["print-word-vectors", FTZ, "-thread", 2**31],
        ["print-sentence-vectors", FTZ, "-thread", 3_000_000_000],
        ["predict", FTZ, "-", "-thread", 2**40],
        ["predict", FTZ, "-", 2**31],
        ["embed", FTZ, "-", "x.npy", "-thread", 2**31],
    ],
)
def test_huge_thread_count_is_a_short_usage_error(args, ftz_model):
    words = " ".join(ftz_model.get_words()) * 50
    r = run(*args, input=words, check=False)
    assert_one_line_error(r, 2, "must be <= 2147483647")
    assert len(r.stderr) < 200 and b"bread" not in r.stderr


def test_api_rejects_a_huge_thread_count_without_dumping_the_input(ftz_model):
    words = ftz_model.get_words() * 10
    for call in (
        lambda: ftz_model.get_word_vectors(words, threads=2**31),
        lambda: ftz_model.embed_sentences(words, threads=2**31),
        lambda: ftz_model.predict(words, threads=2**31),
    ):
        with pytest.raises(ValueError, match="threads must be <= 2147483647") as info:
            call()
        assert len(str(info.value)) < 100


# ---------------------------------------------------------------------------------- parity with the official CLI

#: `fasttext` 0.9.3's verbs and flags (its help text).
OFFICIAL_VERBS = [
    "supervised", "quantize", "test", "test-label", "predict", "predict-prob", "skipgram", "cbow",
    "print-word-vectors", "print-sentence-vectors", "print-ngrams", "nn", "analogies", "dump",
]
OFFICIAL_TRAIN_FLAGS = [
    "-input", "-output", "-verbose", "-minCount", "-minCountLabel", "-wordNgrams", "-bucket", "-minn",
    "-maxn", "-t", "-label", "-lr", "-lrUpdateRate", "-dim", "-ws", "-epoch", "-neg", "-loss", "-thread",
    "-pretrainedVectors", "-saveOutput", "-seed",
]
OFFICIAL_AUTOTUNE_FLAGS = [
    "-autotune-validation", "-autotune-metric", "-autotune-predictions", "-autotune-duration",
    "-autotune-modelsize",
]
OFFICIAL_QUANTIZE_FLAGS = ["-input", "-output", "-cutoff", "-retrain", "-qnorm", "-qout", "-dsub", "-epoch",
                           "-lr", "-thread", "-verbose"]


def _help_flags(verb):
    return {ln.split()[0] for ln in run("help", verb).stdout.decode().splitlines() if ln.startswith("  -")}


def test_every_official_verb_and_flag_exists():
    listed = {ln.split()[0] for ln in run("help").stdout.decode().splitlines() if ln.startswith("  ")}
    assert set(OFFICIAL_VERBS) <= listed
    assert set(OFFICIAL_TRAIN_FLAGS + OFFICIAL_AUTOTUNE_FLAGS) <= _help_flags("supervised")
    for verb in ("skipgram", "cbow"):
        assert set(OFFICIAL_TRAIN_FLAGS) <= _help_flags(verb)
    assert set(OFFICIAL_QUANTIZE_FLAGS) <= _help_flags("quantize")


def test_predict_k_minus_one_is_every_label(ftz_model, official):
    """`predict-prob model test.txt -1 0.2`, fastText's documented form: every label above 0.2."""
    lines = VALID.read_text("utf-8").split("\n")[:-1]
    off = official.load_model(str(FTZ))
    r = run("predict-prob", FTZ, VALID, -1, 0.2)
    got = r.stdout.decode().split("\n")[:-1]
    off_labels, off_probs = off.predict(lines, k=-1, threshold=0.2)
    assert len(got) == len(lines)
    for g, ols, ops in zip(got, off_labels, off_probs):
        parts = g.split(" ") if g else []
        assert parts[0::2] == list(ols)
        np.testing.assert_allclose([float(x) for x in parts[1::2]], ops, atol=2e-5)
    r = run("predict", FTZ, "-", -1, input=VALID.read_bytes())
    rows = r.stdout.decode().split("\n")[:-1]
    n_labels = len(ftz_model.get_labels())
    assert all(len(row.split(" ")) == n_labels for row in rows)
    assert [row.split(" ")[0] for row in rows] == [ls[0] for ls in off.predict(lines, k=1)[0]]
    assert_one_line_error(run("predict", FTZ, "-", -2, check=False), 2, "<k> must be >= 1, or -1")


def test_test_k_minus_one_as_official(official):
    r = run("test", FTZ, VALID, -1, 0.1)
    on, op, orec = official.load_model(str(FTZ)).test(str(VALID), k=-1, threshold=0.1)
    assert r.stdout.decode() == f"N\t{on}\nP@-1\t{op:.3g}\nR@-1\t{orec:.3g}\n"
    r = run("test-label", FTZ, VALID, -1, 0.1)
    assert r.stdout.decode().endswith(f"N\t{on}\nP@-1\t{op:.3g}\nR@-1\t{orec:.3g}\n")


def test_dump_matches_the_official_model(skipgram_bin, official):
    off = official.load_model(str(skipgram_bin))
    d = run("dump", skipgram_bin, "dict").stdout.decode().split("\n")[:-1]
    words, freqs = off.get_words(include_freq=True)
    assert d == [str(len(words))] + [f"{w} {c} word" for w, c in zip(words, freqs)]
    for what, matrix in (("input", off.get_input_matrix()), ("output", off.get_output_matrix())):
        rows = run("dump", skipgram_bin, what).stdout.decode().split("\n")[:-1]
        assert rows[0] == f"{matrix.shape[0]} {matrix.shape[1]}"
        np.testing.assert_allclose(np.array([[float(x) for x in ln.split(" ")] for ln in rows[1:]]), matrix,
                                   rtol=1e-5, atol=1e-6)


def test_autotune_flags_reach_the_training_api(monkeypatch, tmp_path, capsys):
    """-autotune-* become train_supervised's autotune* options; the chosen options are printed."""
    from sentvec import cli

    seen = {}

    class Trained:
        autotune_result = {"lr": 0.5, "dim": 20}

        def save_model(self, path):
            Path(path).write_bytes(b"")

        def save_vectors(self, path, which="input"):
            Path(path).write_bytes(b"")

    def fake_train(inp, **kw):
        seen.update(kw, input=inp)
        return Trained()

    monkeypatch.setattr(sentvec, "train_supervised", fake_train)
    rc = cli.main(["supervised", "-input", "t.txt", "-output", str(tmp_path / "m"), "-autotune-validation",
                   "v.txt", "-autotune-metric", "f1:__label__a", "-autotune-predictions", "2",
                   "-autotune-duration", "30", "-autotune-modelsize", "2M", "-thread", "1"])
    assert rc == 0
    assert {k: seen[k] for k in seen if k.startswith("autotune")} == {
        "autotuneValidationFile": "v.txt", "autotuneMetric": "f1:__label__a", "autotunePredictions": 2,
        "autotuneDuration": 30, "autotuneModelSize": "2M",
    }
    assert seen["input"] == "t.txt" and seen["thread"] == 1
    assert "autotune: best options: -lr 0.5 -dim 20" in capsys.readouterr().err
    # with a size limit the model is quantized and, as fastText names it, saved as <output>.ftz
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.ftz", "m.vec"]
    rc = cli.main(["supervised", "-input", "t.txt", "-output", str(tmp_path / "n"), "-autotune-validation",
                   "v.txt"])
    assert rc == 0 and (tmp_path / "n.bin").exists() and not (tmp_path / "n.ftz").exists()


@needs_training
def test_autotune_error_is_one_line(tiny_labelled, tmp_path):
    """Whatever the training API says about autotune options reaches the user as one line."""
    r = run("supervised", "-input", tiny_labelled, "-output", tmp_path / "m", "-autotune-validation",
            tiny_labelled, "-autotune-metric", "nonsense:metric", "-autotune-duration", 2, "-thread", 1,
            check=False)
    assert_one_line_error(r, 1)
