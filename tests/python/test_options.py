"""The C++ option table (cpp/sentvec/args.cpp) is the single source of every option: for every
option and every model kind, the Python default (the signatures of train_unsupervised /
train_supervised and what training with no options really uses), the default `sentvec help`
shows, and the C++ default (Args::defaults_for) agree; Model.args and the trailer follow it."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys

import pytest
import sentvec
from sentvec import _core
from sentvec.train import defaults_for, option_table

KINDS = ("skipgram", "cbow", "supervised", "sent2vec")
TABLE = option_table()
PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(sentvec.__file__)))
CPU_DEFAULT = max(1, (os.cpu_count() or 2) - 1)


def rows(kind):
    return [o for o in TABLE if kind in o["defaults"]]


def cpp_default(kind, o):
    """What a C++ caller gets: Args::defaults_for(kind), read back through Args::to_options."""
    cpp = _core.option_defaults(kind)
    return cpp[o["same_as"] or o["name"]]


def help_defaults(kind) -> dict[str, str]:
    """`sentvec help <kind>`: {flag: the default shown in brackets}."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([PKG_PARENT, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-m", "sentvec", "help", kind], capture_output=True,
                         check=True, env=env, timeout=120).stdout.decode()
    shown = {}
    for line in out.splitlines():
        m = re.match(r"\s+-(\S+)(?: <\w+>)?\s+.*?(?: \[([^\]]*)\])?$", line)
        if m:
            shown[m.group(1)] = m.group(2)
    return shown


def same(shown: str | None, value) -> bool:
    if value in ("", None):
        return shown in (None, "cpu count - 1")
    if isinstance(value, float):
        return shown is not None and float(shown) == value
    return shown == str(value)


def python_signature_default(kind, name):
    fn = sentvec.train_supervised if kind == "supervised" else sentvec.train_unsupervised
    p = inspect.signature(fn).parameters[name]
    return p.default


@pytest.mark.parametrize("kind", KINDS)
def test_every_default_agrees_python_cli_cpp(kind):
    shown = help_defaults(kind)
    py = defaults_for(kind)
    checked = 0
    for o in rows(kind):
        name = o["name"]
        cpp = cpp_default(kind, o)
        python = py[name]
        if name == "thread":  # computed: cpu count - 1, in C++; None in Python
            assert python is None and cpp == CPU_DEFAULT and shown[o["cli_flag"]] == "cpu count - 1"
            checked += 1
            continue
        assert python == cpp, (kind, name)
        # train_unsupervised's signature shows skipgram's column, and sent2vec's for the
        # options only sent2vec takes (cbow's column is skipgram's: see the next test).
        if kind in ("skipgram", "supervised") or (kind == "sent2vec" and not o["positional"]):
            assert python_signature_default(kind, name) == python, (kind, name)
        if name == "model":  # the CLI verb is the model: no -model flag
            assert "model" not in shown and python == kind
        elif o["cli_default"] is not None:  # the CLI picks its own (verbose: 2 on a terminal)
            assert shown[o["cli_flag"]] == o["cli_default"]
        else:
            assert same(shown[o["cli_flag"]], python), (kind, name, shown[o["cli_flag"]], python)
        checked += 1
    assert checked == len(rows(kind)) >= 20


def test_table_defaults_are_fasttexts_and_sent2vecs():
    # fastText's -help and the official package; sent2vec's documented help without char n-grams
    sk, sup, s2v = defaults_for("skipgram"), defaults_for("supervised"), defaults_for("sent2vec")
    assert defaults_for("cbow") == dict(sk, model="cbow")
    assert (sk["lr"], sk["minCount"], sk["minn"], sk["maxn"], sk["loss"]) == (0.05, 5, 3, 6, "ns")
    assert (sup["lr"], sup["minCount"], sup["minn"], sup["maxn"], sup["loss"]) == (0.1, 1, 0, 0, "softmax")
    assert (s2v["lr"], s2v["wordNgrams"], s2v["neg"], s2v["dropoutK"], s2v["scheme"]) == (0.2, 2, 10, 2, "sentvec")
    assert "dropoutK" not in sk and "model" not in sup and "autotuneMetric" in sup


@pytest.mark.parametrize("kind", KINDS)
def test_training_with_no_options_uses_the_table(kind, tiny_corpus, tiny_labelled):
    """What training really applies when an option is not given is the C++ default."""
    corpus = tiny_labelled if kind == "supervised" else tiny_corpus
    # only what keeps the run small and quiet is given
    given = {"bucket": 1000, "epoch": 1, "thread": 1, "verbose": 0, "minCount": 1}
    if kind == "supervised":
        m = sentvec.train_supervised(corpus, **given)
    else:
        m = sentvec.train_unsupervised(corpus, model=kind, **given)
    cpp = _core.option_defaults(kind)
    for name, value in m.args.items():
        if name in given:
            continue
        if name == "bucket" or (kind == "supervised" and name == "model"):
            continue
        assert value == cpp[name], (kind, name)
    assert set(m.args) == {o["name"] for o in TABLE if o["same_as"] is None}


def test_aliases_come_from_the_table(tiny_labelled):
    aliases = {a: o["name"] for o in TABLE for a in o["aliases"]}
    assert {"min_count", "word_ngrams", "lr_update_rate", "pretrained_vectors", "label_prefix",
            "min_count_label", "min_count_target", "dropout_k"} <= set(aliases)
    m = sentvec.train_supervised(tiny_labelled, label_prefix="__label__", min_count_label=1, epoch=1,
                                 thread=1, verbose=0)
    assert m.args["minCountLabel"] == 1


def test_each_option_is_checked_in_cpp_with_its_range():
    """The range the table states is what C++ enforces (one place: Args::validate)."""
    for o in TABLE:
        if o["range"] is None or o["type"] != "int" or o["name"] == "seed":
            continue
        kind = next(iter(o["defaults"]))
        m = re.match(r"(?:in \[|>= )(-?\d+)", o["range"])
        assert m, o
        low = int(m.group(1)) - 1
        with pytest.raises(ValueError, match=f"'{o['name']}'"):
            _core.train(kind, {o["name"]: low}, "/nonexistent")


def test_trailer_round_trips_every_option_it_stores(tiny_corpus, tmp_path):
    stored = [o["name"] for o in TABLE if o["trailer"]]
    assert set(stored) == {"scheme", "label", "lr", "seed", "dropoutK", "minCountLabel", "thread"}
    m = sentvec.train_unsupervised(tiny_corpus, model="sent2vec", lr=0.125, seed=7, dropoutK=3,
                                   minCountTarget=2, thread=2, epoch=1, verbose=0, minCount=1,
                                   bucket=1000, label="@@")
    m.save_model(tmp_path / "m.bin")
    back = sentvec.load_model(tmp_path / "m.bin").args
    assert {k: back[k] for k in stored} == {k: m.args[k] for k in stored}
    assert (back["lr"], back["seed"], back["dropoutK"], back["minCountLabel"], back["thread"],
            back["label"]) == (0.125, 7, 3, 2, 2, "@@")


def test_python_layers_hold_no_option_tables():
    """No per-model registry or defaults dict is left in Python."""
    import sentvec.train as t

    for name in ("MODEL_DEFAULTS", "MODEL_EXTRA_OPTIONS", "MODEL_FINALIZE", "_SUPERVISED_DEFAULTS",
                 "_UNSUPERVISED_DEFAULTS"):
        assert not hasattr(t, name)
    with pytest.raises(ImportError):
        __import__("sentvec._sent2vec")
