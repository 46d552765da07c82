"""Continued training (issue 12 item 1): ``init_model=`` trains an official fastText, sent2vec or
sentvec model further on new text. Official fastText (the PyPI package, in a child process) opens
the result and computes the same vectors; old words keep their ids; new words get rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sentvec
from conftest import HAVE_SHARED, SHARED_MODELS, TESTDATA, official_train

NEW_WORDS = ["zorblat", "quindle", "fraxum"]
SG = dict(dim=16, epoch=1, minCount=2, bucket=20000, thread=1, seed=1, verbose=0)


def official_vectors(path: Path, words: list[str], lines: list[str] | None = None) -> dict:
    """Word vectors, the word list and predictions of official fastText for the model at `path`."""
    code = (
        "import fasttext, json, sys\n"
        "m = fasttext.load_model(sys.argv[1]); a = json.loads(sys.argv[2])\n"
        "out = {'words': m.words, 'vec': [m.get_word_vector(w).tolist() for w in a['w']]}\n"
        "if a['l']: out['pred'] = [p[0] for p in m.predict(a['l'])[0]]\n"  # list form: numpy-2 safe
        "print(json.dumps(out))\n"
    )
    r = subprocess.run([sys.executable, "-c", code, str(path), json.dumps({"w": words, "l": lines})],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def new_text(lines: list[str]) -> list[str]:
    """The second half of a corpus with three unseen words mixed in (each > minCount times)."""
    out = []
    for i, ln in enumerate(lines):
        out.append(f"{ln} {NEW_WORDS[i % 3]}" if i % 7 == 0 else ln)
    return out


@pytest.fixture(scope="module")
def halves(tiny_corpus) -> tuple[Path, list[str]]:
    lines = tiny_corpus.read_text(encoding="utf-8").splitlines()
    first = tiny_corpus.parent / "first.txt"
    first.write_text("".join(ln + "\n" for ln in lines[:2000]), encoding="utf-8")
    return first, new_text(lines[2000:])


@pytest.fixture(scope="module")
def official_sg(halves, tmp_path_factory) -> Path:
    first, _ = halves
    out = tmp_path_factory.mktemp("official") / "sg.bin"
    return official_train(out, False, first, model="skipgram", dim=16, epoch=1, minCount=2,
                          bucket=20000, thread=1)


def test_continue_official_skipgram(official_sg, halves, tmp_path):
    _, rest = halves
    old = sentvec.load_model(str(official_sg))
    model = sentvec.train_unsupervised(rest, init_model=str(official_sg), epoch=1, thread=1, seed=1,
                                       minCount=2, verbose=0)
    assert model.args["model"] == "skipgram" and model.get_dimension() == 16
    words = model.words
    assert words[: len(old.words)] == old.words  # old words keep their ids
    added = words[len(old.words):]
    assert set(NEW_WORDS) <= set(added) and not set(added) & set(old.words)
    rest_counts: dict[str, int] = {}
    for t in " ".join(rest).split():
        rest_counts[t] = rest_counts.get(t, 0) + 1
    assert all(rest_counts[w] >= 2 for w in added)
    assert sorted(added) == sorted(w for w, c in rest_counts.items() if c >= 2 and w not in old.words)
    for w in NEW_WORDS:
        assert np.linalg.norm(model.get_word_vector(w)) > 0
    out = tmp_path / "continued.bin"
    model.save_model(str(out))
    probe = old.words[:5] + NEW_WORDS + ["neverseen"]
    got = official_vectors(out, probe)
    assert got["words"] == words
    np.testing.assert_allclose(np.array(got["vec"]), model.get_word_vectors(probe), rtol=0, atol=1e-6)
    # the input Model object is not modified
    again = sentvec.load_model(str(official_sg))
    assert old.words == again.words
    np.testing.assert_array_equal(old.get_input_matrix(), again.get_input_matrix())


def test_continue_official_supervised(tiny_labelled, tmp_path):
    lines = tiny_labelled.read_text(encoding="utf-8").splitlines()
    first = tmp_path / "first.txt"
    first.write_text("".join(ln + "\n" for ln in lines[:800]), encoding="utf-8")
    init = official_train(tmp_path / "sup.bin", True, first, dim=8, epoch=3, wordNgrams=2, bucket=5000,
                          thread=1, seed=1)
    pairs = [(ln.split(" ", 1)[1], "newtopic") if i % 5 == 0 else ln for i, ln in enumerate(lines[800:])]
    old = sentvec.load_model(str(init))
    model = sentvec.train_supervised(pairs, init_model=old, epoch=3, thread=1, seed=1, verbose=0)
    assert model.labels[: len(old.labels)] == old.labels
    assert model.labels[len(old.labels):] == ["__label__newtopic"]
    assert model.words[: len(old.words)] == old.words
    out = tmp_path / "continued.bin"
    model.save_model(str(out))
    texts = [ln.split(" ", 1)[1] for ln in lines[:30]]
    got = official_vectors(out, old.words[:3], texts)
    assert got["pred"] == [model.predict(t)[0][0] for t in texts]
    np.testing.assert_allclose(np.array(got["vec"]), model.get_word_vectors(old.words[:3]), atol=1e-6)


def test_mmap_model_gives_the_same_result(official_sg, halves, tmp_path):
    _, rest = halves
    kw = dict(epoch=1, thread=1, seed=4, minCount=2, verbose=0)
    mapped = sentvec.load_model(str(official_sg), mmap=True)
    a = sentvec.train_unsupervised(rest, init_model=mapped, **kw)
    b = sentvec.train_unsupervised(rest, init_model=sentvec.load_model(str(official_sg)), **kw)
    c = sentvec.train_unsupervised(rest, init_model=str(official_sg), **kw)  # a path is mapped
    assert mapped.mapped and not a.mapped
    blobs = []
    for i, m in enumerate((a, b, c)):
        m.save_model(str(tmp_path / f"{i}.bin"))
        blobs.append((tmp_path / f"{i}.bin").read_bytes())
    assert blobs[0] == blobs[1] == blobs[2]


def test_rows_are_placed_old_kept_ngrams_moved_new_initialised(official_sg, halves):
    """With a negligible lr the continued matrices show the layout: old word rows, then the new
    words' rows (uniform in +-1/dim), then the old n-gram rows, moved down by the new words."""
    _, rest = halves
    old = sentvec.load_model(str(official_sg))
    m = sentvec.train_unsupervised(rest, init_model=old, lr=1e-12, epoch=1, thread=1, minCount=2, verbose=0)
    oi, ni = old.get_input_matrix(), m.get_input_matrix()
    nw_old, nw = len(old.words), len(m.words)
    assert nw > nw_old + 2 and ni.shape[0] == oi.shape[0] + nw - nw_old
    np.testing.assert_allclose(ni[:nw_old], oi[:nw_old], atol=1e-6)
    np.testing.assert_allclose(ni[nw:], oi[nw_old:], atol=1e-6)
    new_rows = ni[nw_old:nw]
    assert np.all(np.abs(new_rows) <= 1 / 16) and np.all(np.linalg.norm(new_rows, axis=1) > 0)
    oo, no = old.get_output_matrix(), m.get_output_matrix()
    np.testing.assert_allclose(no[:nw_old], oo, atol=1e-6)
    assert np.abs(no[nw_old:]).max() < 1e-6


def test_counts_are_summed_and_grow_vocab_false(official_sg, halves):
    _, rest = halves
    old = sentvec.load_model(str(official_sg))
    words, freq = old.get_words(include_freq=True)
    m = sentvec.train_unsupervised(rest, init_model=old, grow_vocab=False, epoch=1, thread=1, verbose=0)
    assert m.words == old.words
    new_words, new_freq = m.get_words(include_freq=True)
    tokens = "\n".join(rest).split() + ["</s>"] * len(rest)
    counts = {w: 0 for w in words}
    for t in tokens:
        if t in counts:
            counts[t] += 1
    assert list(new_freq) == [int(f) + counts[w] for w, f in zip(words, freq)]
    for w in NEW_WORDS:
        assert w not in m.words


def test_continue_sentvec_models_of_every_kind(tiny_corpus, tiny_labelled, tmp_path):
    lines = tiny_corpus.read_text(encoding="utf-8").splitlines()
    for kind in ("cbow", "skipgram", "sent2vec"):
        init = sentvec.train_unsupervised(lines[:2000], model=kind, **SG)
        before = init.get_input_matrix().copy()
        m = sentvec.train_unsupervised(new_text(lines[2000:]), init_model=init, epoch=1, thread=1,
                                       minCount=2, verbose=0)
        assert m.args["model"] == kind
        assert m.words[: len(init.words)] == init.words
        assert set(NEW_WORDS) <= set(m.words)
        np.testing.assert_array_equal(init.get_input_matrix(), before)  # init is not modified
        m.save_model(str(tmp_path / f"{kind}.bin"))
        back = sentvec.load_model(str(tmp_path / f"{kind}.bin"))
        np.testing.assert_array_equal(back.get_sentence_vector(lines[0]), m.get_sentence_vector(lines[0]))
    sup = sentvec.train_supervised(str(tiny_labelled), dim=8, epoch=2, thread=1, verbose=0)
    m = sentvec.train_supervised(str(tiny_labelled), init_model=sup, epoch=1, thread=1, verbose=0)
    assert m.labels == sup.labels and m.words == sup.words


def test_continue_sentvec_sent2vec_fixture(tiny_corpus, tmp_path):
    init = sentvec.load_model(str(TESTDATA / "repro" / "sv_s2v.bin"))
    lines = tiny_corpus.read_text(encoding="utf-8").splitlines()[:500]
    m = sentvec.train_unsupervised(lines, init_model=init, epoch=1, thread=1, verbose=0)
    assert m.args["scheme"] == init.args["scheme"] and m.get_dimension() == init.get_dimension()
    assert m.words[: len(init.words)] == init.words and len(m.words) > len(init.words)


@pytest.mark.skipif(not HAVE_SHARED, reason="needs the official sent2vec model s2v.bin of the shared data folder")
def test_continue_official_sent2vec(tiny_corpus, tmp_path):
    path = SHARED_MODELS / "s2v.bin"
    init = sentvec.load_model(str(path), mmap=True)
    lines = tiny_corpus.read_text(encoding="utf-8").splitlines()[:1000]
    m = sentvec.train_unsupervised(lines, init_model=init, epoch=1, thread=1, verbose=0)
    assert m.args["model"] == "sent2vec" and m.args["scheme"] == "sent2vec"
    assert m.words[: len(init.words)] == init.words
    m.save_model(str(tmp_path / "s2v2.bin"))
    back = sentvec.load_model(str(tmp_path / "s2v2.bin"))
    assert back.words == m.words
    np.testing.assert_array_equal(back.embed_sentences(lines[:5]), m.embed_sentences(lines[:5]))


def test_conflicting_options_name_both_values(official_sg, tiny_labelled):
    old = sentvec.load_model(str(official_sg))
    cases = {
        "dim": dict(dim=50),
        "minn": dict(minn=2),
        "maxn": dict(maxn=4),
        "bucket": dict(bucket=100),
        "wordNgrams": dict(wordNgrams=2),
        "loss": dict(loss="hs"),
        "model": dict(model="cbow"),
    }
    for name, kw in cases.items():
        with pytest.raises(ValueError, match=f"option '{name}': init_model has {name}=") as e:
            sentvec.train_unsupervised(["a b c"], init_model=old, verbose=0, **kw)
        assert f"{name}={next(iter(kw.values()))}" in str(e.value)
    # the model's own values are accepted
    sentvec.train_unsupervised(["a b c"] * 5, init_model=old, dim=16, bucket=20000, minCount=1, verbose=0)
    with pytest.raises(ValueError, match="train_supervised continues supervised models only"):
        sentvec.train_supervised([("a b", "x")], init_model=old, verbose=0)
    sup = sentvec.train_supervised(str(tiny_labelled), dim=8, epoch=1, thread=1, verbose=0)
    with pytest.raises(ValueError, match="train_unsupervised continues skipgram, cbow and sent2vec"):
        sentvec.train_unsupervised(["a b"], init_model=sup, verbose=0)
    with pytest.raises(ValueError, match="option 'wordNgrams': init_model has wordNgrams=1 but wordNgrams=3"):
        sentvec.train_supervised([("a b", "x")], init_model=sup, wordNgrams=3, verbose=0)
    with pytest.raises(TypeError, match="init_model must be a path or a sentvec.Model, not int"):
        sentvec.train_unsupervised(["a b"], init_model=3, verbose=0)


def test_quantized_model_cannot_be_continued():
    ftz = sentvec.load_model(str(TESTDATA / "golden" / "ft-supervised.ftz"))
    with pytest.raises(ValueError, match="quantized model cannot be trained further"):
        sentvec.train_supervised([("a b", "x")], init_model=ftz, verbose=0)


def test_cli_init_model(official_sg, halves, tmp_path):
    first, rest = halves
    inp = tmp_path / "rest.txt"
    inp.write_text("".join(ln + "\n" for ln in rest), encoding="utf-8")
    out = tmp_path / "cont"
    r = subprocess.run([sys.executable, "-m", "sentvec", "skipgram", "-input", str(inp), "-output", str(out),
                        "-initModel", str(official_sg), "-epoch", "1", "-thread", "1", "-minCount", "2"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    m = sentvec.load_model(str(out) + ".bin")
    api = sentvec.train_unsupervised(str(inp), init_model=str(official_sg), epoch=1, thread=1, minCount=2,
                                     verbose=0)
    assert m.words == api.words
    np.testing.assert_array_equal(m.get_input_matrix(), api.get_input_matrix())
    r = subprocess.run([sys.executable, "-m", "sentvec", "skipgram", "-input", str(inp), "-output", str(out),
                        "-initModel", str(official_sg), "-dim", "8"], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "init_model has dim=16 but dim=8" in r.stderr
