"""Drop-in parity with the official ``fasttext`` package: every public name, argument and
default exists, and each call added for parity (k=-1, get_subword_id, set_matrices, the ``f``
layer, dtypes, exception types) gives what official fastText gives on models trained here."""

from __future__ import annotations

import inspect
import pickle

import numpy as np
import pytest
import sentvec
from conftest import official_train

fasttext = pytest.importorskip("fasttext", reason="the official fasttext package is the oracle")
official_util = pytest.importorskip("fasttext.util")

LINES = ["the cat sat on the mat", "ball goal team coach", "bread cheese oven and sugar",
         "song guitar with my drum", "zzz qqq", "", "très bread über", "a a a the"]
SUBWORDS = ["<é", "été", "<тр", "日本>", "ü", "straße", "<über>", "<ka", "à", "", "<", ">",
            "한국어", "naïve>", "x" * 40]
SUP = dict(dim=10, epoch=3, wordNgrams=2, bucket=3000, minn=2, maxn=4, thread=1, verbose=0)


@pytest.fixture(scope="module")
def sup_files(tiny_labelled, tmp_path_factory):
    d = tmp_path_factory.mktemp("dropin-sup")
    return {loss: official_train(d / f"sup-{loss}.bin", True, tiny_labelled, loss=loss, **SUP)
            for loss in ("softmax", "ova", "hs")}


@pytest.fixture(scope="module")
def sg_file(tiny_corpus, tmp_path_factory):
    d = tmp_path_factory.mktemp("dropin-sg")
    return official_train(d / "sg.bin", False, tiny_corpus, model="skipgram", loss="ns", dim=12,
                          epoch=1, minCount=2, bucket=5000, thread=1, verbose=0)  # as test_oracle


def _official_predict(model, line, k, threshold):
    # The official predict(str) fails under numpy 2 (np.array(copy=False)): call its layer.
    pairs = model.f.predict(line + "\n", k, threshold, "strict")
    return tuple(lab for _, lab in pairs), np.array([p for p, _ in pairs])


def _same_predictions(ours, theirs):
    (l1, p1), (l2, p2) = ours, theirs
    assert sorted(l1) == sorted(l2)
    np.testing.assert_allclose(p1, p2, atol=2e-5)  # both sorted by decreasing probability
    got, want = dict(zip(l1, p1)), dict(zip(l2, p2))
    for lab in want:
        assert abs(got[lab] - want[lab]) < 2e-5


# ------------------------------------------------------------------------------ names
_FUTURE = {"absolute_import", "division", "print_function", "unicode_literals"}  # __future__ imports


def _public(obj):
    return {n for n in dir(obj) if not n.startswith("_")} - _FUTURE


# get_meter belongs to the meter work of issue 10 (autotune), landed separately.
_NOT_HERE = set() if hasattr(sentvec.Model, "get_meter") else {"get_meter"}


def test_every_official_name_exists():
    assert _public(fasttext) - {"tests"} <= _public(sentvec)
    assert sentvec.FastText._FastText is sentvec.Model
    assert _public(fasttext.FastText._FastText) - _NOT_HERE <= _public(sentvec.FastText._FastText)
    for name in ("load_model", "train_supervised", "train_unsupervised", "tokenize", "EOS", "BOW",
                 "EOW", "loss_name", "model_name", "cbow", "skipgram", "supervised"):
        assert hasattr(sentvec.FastText, name), name
    assert _public(official_util) - {"util"} <= _public(sentvec.util)
    assert (sentvec.EOS, sentvec.BOW, sentvec.EOW) == (fasttext.EOS, fasttext.BOW, fasttext.EOW)
    assert sentvec.FastText.EOS == fasttext.FastText.EOS
    for old in ("cbow", "skipgram", "supervised"):
        with pytest.raises(Exception, match="not supported any more"):
            getattr(sentvec, old)("x.txt")


def _check_signature(ours, theirs, where):
    p_ours = inspect.signature(ours).parameters
    for name, p in inspect.signature(theirs).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        assert name in p_ours, f"{where}: no argument {name!r}"
        if p.default is not p.empty and name != "input":
            assert p_ours[name].default == p.default, f"{where}({name}=...): default differs"
    names_ours = [n for n, p in p_ours.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    names_theirs = [n for n, p in inspect.signature(theirs).parameters.items()
                    if p.kind == p.POSITIONAL_OR_KEYWORD]
    assert names_ours[:len(names_theirs)] == names_theirs, f"{where}: positional order differs"


def test_every_official_argument_and_default():
    cls, ocls = sentvec.FastText._FastText, fasttext.FastText._FastText
    for name in _public(ocls) - _NOT_HERE:
        theirs = getattr(ocls, name)
        if callable(theirs):
            _check_signature(getattr(cls, name), theirs, f"_FastText.{name}")
    for name in ("test", "find_nearest_neighbor", "reduce_model", "download_model"):
        _check_signature(getattr(sentvec.util, name), getattr(official_util, name), f"util.{name}")
    _check_signature(sentvec.load_model, fasttext.load_model, "load_model")
    _check_signature(sentvec.tokenize, fasttext.tokenize, "tokenize")
    _check_signature(sentvec.FastText._FastText.__init__, ocls.__init__, "_FastText.__init__")


def test_model_path_constructor(sup_files):
    m = sentvec.FastText._FastText(model_path=sup_files["softmax"])
    assert m.get_labels() == fasttext.load_model(str(sup_files["softmax"])).get_labels()
    with pytest.raises(TypeError, match="model_path"):
        sentvec.FastText._FastText()


# ------------------------------------------------------------------------------ predict
@pytest.mark.parametrize("loss", ["softmax", "ova", "hs"])
def test_predict_every_label_with_threshold(sup_files, loss):
    theirs = fasttext.load_model(str(sup_files[loss]))
    ours = sentvec.load_model(sup_files[loss])
    n = len(theirs.get_labels())
    for line in LINES:
        for threshold in (0.0, 0.05, 0.3, 0.9, 1.0):
            got = ours.predict(line, k=-1, threshold=threshold)
            assert got[1].dtype == np.float64  # as fastText's predict(str)
            _same_predictions(got, _official_predict(theirs, line, -1, threshold))
        assert len(ours.predict(line, k=-1)[0]) == n
    for threshold in (0.0, 0.2):
        labels, probs = ours.predict(LINES, k=-1, threshold=threshold)
        want_l, want_p = theirs.f.multilinePredict([t + "\n" for t in LINES], -1, threshold, "strict")
        assert all(p.dtype == np.float32 for p in probs) and want_p[0].dtype == np.float32
        for got_l, got_p, wl, wp in zip(labels, probs, want_l, want_p):
            _same_predictions((got_l, got_p), (wl, wp))


def test_test_with_every_label(sup_files, tiny_labelled):
    theirs = fasttext.load_model(str(sup_files["softmax"]))
    ours = sentvec.load_model(sup_files["softmax"])
    for threshold in (0.0, 0.2, 0.5):
        n1, p1, r1 = ours.test(tiny_labelled, k=-1, threshold=threshold)
        n2, p2, r2 = theirs.test(str(tiny_labelled), k=-1, threshold=threshold)
        assert n1 == n2
        np.testing.assert_allclose([p1, r1], [p2, r2], atol=1e-3)
    got = ours.test_label(tiny_labelled, k=-1, threshold=0.2)
    want = theirs.test_label(str(tiny_labelled), k=-1, threshold=0.2)
    assert set(got) == set(want)
    for lab in want:
        for key in ("precision", "recall", "f1score"):
            np.testing.assert_allclose(got[lab][key], want[lab][key], atol=1e-2)


@pytest.mark.parametrize("k", [0, -2, -100])
def test_bad_k_raises_as_official(sup_files, k):
    theirs = fasttext.load_model(str(sup_files["softmax"]))
    with pytest.raises(ValueError):
        theirs.f.predict("bread\n", k, 0.0, "strict")
    ours = sentvec.load_model(sup_files["softmax"])
    with pytest.raises(ValueError, match="k must be >= 1, or -1"):
        ours.predict("bread", k=k)
    with pytest.raises(ValueError, match="k must be >= 1, or -1"):
        ours.test(__file__, k=k)


# ------------------------------------------------------------------------------ subwords
@pytest.mark.parametrize("which", ["sup", "sg"])
def test_get_subword_id_non_ascii(sup_files, sg_file, which):
    path = sup_files["softmax"] if which == "sup" else sg_file
    theirs, ours = fasttext.load_model(str(path)), sentvec.load_model(path)
    for sub in SUBWORDS:
        assert ours.get_subword_id(sub) == theirs.get_subword_id(sub), sub
        assert ours.f.getSubwordId(sub) == theirs.f.getSubwordId(sub)
    for word in ["été", "straße", "日本", "пример", "naïve", "the", "unknownword"]:
        subs, ids = ours.get_subwords(word)
        want_subs, want_ids = theirs.get_subwords(word)
        assert subs == list(want_subs)
        assert ids.dtype == want_ids.dtype == np.int64
        np.testing.assert_array_equal(ids, want_ids)
        # Each n-gram's row is get_subword_id of the n-gram (the word's own id comes first).
        own = 1 if ours.get_word_id(word) >= 0 else 0
        assert [ours.get_subword_id(s) for s in subs[own:]] == list(ids[own:])


def test_get_subword_id_without_buckets_is_a_clear_error(tiny_labelled):
    m = sentvec.train_supervised(tiny_labelled, dim=4, epoch=1, thread=1, verbose=0, seed=1)
    assert m.args["bucket"] == 0  # fastText divides by zero here (SIGFPE)
    with pytest.raises(ValueError, match="bucket"):
        m.get_subword_id("<ab")


# ------------------------------------------------------------------------------ matrices
def _random_matrices(model, dim, seed):
    rng = np.random.default_rng(seed)
    rows_in = model.get_input_matrix().shape[0]
    rows_out = model.get_output_matrix().shape[0]
    return (rng.standard_normal((rows_in, dim)).astype(np.float32) * 0.1,
            rng.standard_normal((rows_out, dim)).astype(np.float64) * 0.1)  # float64: cast as fastText


@pytest.mark.parametrize("mmap", [False, True])
def test_set_matrices_round_trip_matches_official(sup_files, tmp_path, mmap):
    path = sup_files["softmax"]
    theirs, ours = fasttext.load_model(str(path)), sentvec.load_model(path, mmap=mmap)
    before = ours.get_input_matrix()
    kept = before.copy()
    inp, out = _random_matrices(ours, 6, 3)
    theirs.set_matrices(inp, out)
    ours.set_matrices(inp, out)
    assert ours.get_dimension() == theirs.get_dimension() == 6 == ours.dim
    assert not ours.mapped  # a mapped model gets owned copies; the file is not written
    np.testing.assert_array_equal(before, kept)  # an earlier view keeps the old values
    np.testing.assert_array_equal(ours.get_input_matrix(), np.array(theirs.get_input_matrix()))
    np.testing.assert_array_equal(ours.get_output_matrix(), out.astype(np.float32))
    inp[0, 0] = 42.0  # the arrays were copied, as fastText copies them
    assert ours.get_input_matrix()[0, 0] != 42.0
    for w in ["bread", "très", "unknownword", "the"]:
        np.testing.assert_allclose(ours.get_word_vector(w), theirs.get_word_vector(w), atol=1e-6)
    for line in LINES:
        np.testing.assert_allclose(ours.get_sentence_vector(line), theirs.get_sentence_vector(line), atol=1e-6)
        _same_predictions(ours.predict(line, k=-1), _official_predict(theirs, line, -1, 0.0))
    ours.save_model(tmp_path / "ours.bin")
    theirs.save_model(str(tmp_path / "theirs.bin"))
    assert (tmp_path / "ours.bin").read_bytes() == (tmp_path / "theirs.bin").read_bytes()
    assert path.read_bytes() != (tmp_path / "ours.bin").read_bytes()
    back = sentvec.load_model(tmp_path / "ours.bin")
    np.testing.assert_array_equal(back.get_input_matrix(), ours.get_input_matrix())
    again = pickle.loads(pickle.dumps(ours))  # pickles the new matrices, not the file's
    np.testing.assert_array_equal(again.get_input_matrix(), ours.get_input_matrix())


def test_set_matrices_checks_shapes(sup_files):
    ours = sentvec.load_model(sup_files["softmax"])
    inp, out = _random_matrices(ours, 5, 1)
    with pytest.raises(ValueError, match="input_matrix must have"):
        ours.set_matrices(inp[:-1], out)
    with pytest.raises(ValueError, match="output_matrix must have"):
        ours.set_matrices(inp, out[1:])
    with pytest.raises(ValueError, match="same number of columns"):
        ours.set_matrices(inp, out[:, :4])
    with pytest.raises(ValueError, match="2-d"):
        ours.set_matrices(inp[:, 0], out)
    assert ours.get_dimension() == 10  # unchanged after the failures


def test_set_matrices_refuses_a_quantized_model(tmp_path):
    from conftest import TESTDATA

    m = sentvec.load_model(TESTDATA / "golden" / "ft-supervised.ftz")
    with pytest.raises(ValueError, match="quantized"):
        m.set_matrices(np.zeros((2, 2)), np.zeros((2, 2)))


def test_matrix_copy_option(sup_files):
    theirs, ours = fasttext.load_model(str(sup_files["ova"])), sentvec.load_model(sup_files["ova"])
    view, copy = ours.get_input_matrix(), ours.get_input_matrix(copy=True)
    assert np.shares_memory(view, ours.get_input_matrix()) and not np.shares_memory(copy, view)
    np.testing.assert_array_equal(copy, theirs.get_input_matrix())
    np.testing.assert_array_equal(ours.get_output_matrix(copy=True), theirs.get_output_matrix())
    copy[:] = 0.0
    assert ours.get_input_matrix().any()
    mapped = sentvec.load_model(sup_files["ova"], mmap=True)
    assert mapped.get_input_matrix(copy=True).flags.writeable


# ------------------------------------------------------------------------------ the f layer
def test_f_layer_quacks_like_fasttexts(sup_files, tiny_labelled):
    theirs, ours = fasttext.load_model(str(sup_files["softmax"])), sentvec.load_model(sup_files["softmax"])
    a, b = ours.f.getArgs(), theirs.f.getArgs()
    for name in ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "bucket", "minn", "maxn", "t"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.model == sentvec.FastText.model_name.supervised and a.model.name == b.model.name
    assert a.loss.name == b.loss.name == "softmax"
    assert ours.f.isQuant() == theirs.f.isQuant() is False
    np.testing.assert_array_equal(np.array(ours.f.getInputMatrix()), np.array(theirs.f.getInputMatrix()))
    np.testing.assert_array_equal(np.array(ours.f.getOutputMatrix()), np.array(theirs.f.getOutputMatrix()))
    for line in LINES:
        got, want = ours.f.predict(line + "\n", 2, 0.0, "strict"), theirs.f.predict(line + "\n", 2, 0.0, "strict")
        assert [lab for _, lab in got] == [lab for _, lab in want]
        np.testing.assert_allclose([p for p, _ in got], [p for p, _ in want], atol=2e-5)
        assert ours.f.getLine(line + "\n") == theirs.f.getLine(line + "\n", "strict")
    assert ours.f.getSubwords("été", "strict") == theirs.f.getSubwords("été", "strict")
    assert ours.f.getVocab("strict") == theirs.f.getVocab("strict")
    assert ours.f.getLabels("strict") == theirs.f.getLabels("strict")
    assert ours.f.getWordId("bread") == theirs.f.getWordId("bread")
    assert ours.f.getLabelId("__label__food") == theirs.f.getLabelId("__label__food")
    assert ours.f.tokenize("a b\nc") == theirs.f.tokenize("a b\nc")
    n1, p1, r1 = ours.f.test(str(tiny_labelled), 1, 0.0)
    n2, p2, r2 = theirs.f.test(str(tiny_labelled), 1, 0.0)
    assert n1 == n2 and abs(p1 - p2) < 1e-3 and abs(r1 - r2) < 1e-3
    vec = np.zeros(ours.get_dimension(), dtype=np.float32)
    ours.f.getWordVector(vec, "bread")
    np.testing.assert_allclose(vec, theirs.get_word_vector("bread"), atol=1e-6)
    assert ours.f.nwords == len(ours.get_words())  # sentvec's core attributes stay readable


# ------------------------------------------------------------------------------ exception types
def test_exception_types_are_also_fastTexts(tmp_path, tiny_labelled):
    missing = tmp_path / "missing.bin"
    with pytest.raises(ValueError):  # what official fastText raises
        fasttext.load_model(str(missing))
    with pytest.raises(FileNotFoundError) as e:
        sentvec.load_model(missing)
    assert isinstance(e.value, ValueError) and e.value.errno == 2 and str(missing) in str(e.value)
    with pytest.raises(IsADirectoryError) as e:
        sentvec.load_model(tmp_path)
    assert isinstance(e.value, ValueError)
    with pytest.raises(ValueError):
        sentvec.train_supervised(str(missing), verbose=0)
    with pytest.raises(TypeError):
        fasttext.train_supervised(str(tiny_labelled), bogus=1)
    with pytest.raises(TypeError, match="'bogus'") as e:
        sentvec.train_supervised(tiny_labelled, bogus=1)
    assert isinstance(e.value, ValueError) and isinstance(e.value, sentvec.UnknownOptionError)
    with pytest.raises(RuntimeError, match="lr") as e:
        sentvec.train_supervised(tiny_labelled, lr=100.0, epoch=50, loss="ova", dim=10, thread=1,
                                 verbose=0, seed=1)
    assert isinstance(e.value, FloatingPointError) and isinstance(e.value, sentvec.DivergedError)
