"""Smoke test of an installed sentvec wheel (run by .ci/run in a fresh virtual environment).

Run it from outside the source tree with a PATH that holds only the environment's bin folder:
it checks that no build tool is reachable and that ``sentvec`` is imported from site-packages,
then loads the golden supervised model (predictions and sentence vectors against the goldens
official fastText wrote), embeds, and trains, saves and reloads tiny supervised, skipgram and
sent2vec models. Usage: python wheel_smoke.py GOLDEN_DIR SOURCE_TREE
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

BUILD_TOOLS = ("cmake", "ninja", "make", "cc", "c++", "gcc", "g++", "clang", "clang++")
TOL = 2e-4  # the goldens print 5-6 significant digits


def check_environment(source: Path) -> None:
    found = {t: shutil.which(t) for t in BUILD_TOOLS if shutil.which(t)}
    assert not found, f"build tools are reachable, the wheel must not need them: {found}"
    import sentvec

    where = Path(sentvec.__file__).resolve()
    assert (source / "python").resolve() not in where.parents, f"sentvec imported from the source tree: {where}"
    assert "site-packages" in where.parts, where
    print(f"wheel smoke: sentvec {sentvec.__version__} from {where.parent}")


def read_golden_vectors(path: Path) -> list[list[float]]:
    return [[float(x) for x in line.split()] for line in path.read_text("utf-8").splitlines() if line]


def check_fixture(golden: Path) -> None:
    import numpy as np
    import sentvec

    model = sentvec.load_model(golden / "ft-supervised.ftz")
    lines = (golden / "cooking.valid.200").read_text("utf-8").split("\n")[:50]
    gold = (golden / "ft-supervised.ftz.predict.txt").read_text("utf-8").split("\n")[:50]
    labels, probs = model.predict(lines, k=3, threads=2)
    for i, g in enumerate(gold):
        parts = g.split(" ")
        assert list(labels[i]) == parts[0::2], f"predict line {i}: {labels[i]} != {parts[0::2]}"
        np.testing.assert_allclose(probs[i], [float(x) for x in parts[1::2]], atol=TOL, rtol=0)
    sentences = (golden / "ft-supervised.ftz.sentences.txt").read_text("utf-8").split("\n")[:50]
    want = np.array(read_golden_vectors(golden / "ft-supervised.ftz.sentences.vec")[:50])
    got = model.embed_sentences(sentences, threads=2)
    np.testing.assert_allclose(got, want, atol=TOL, rtol=0)
    assert model.get_word_vectors(["bread", "oven"]).shape == (2, model.get_dimension())
    print(f"wheel smoke: fixture model predicts and embeds as the goldens ({len(gold)} lines)")


def write_corpus(path: Path) -> None:
    topics = {
        "food": "bread cheese bake oven sugar flour soup salt".split(),
        "sport": "ball goal team run match score coach field".split(),
    }
    rows = []
    for i in range(600):
        name = "food" if i % 2 else "sport"
        words = [topics[name][(i * 7 + j * 3) % 8] for j in range(6)] + ["the", "a"]
        rows.append(f"__label__{name} " + " ".join(words))
    path.write_text("\n".join(rows) + "\n", "utf-8")


def check_training(tmp: Path) -> None:
    import numpy as np
    import sentvec

    corpus = tmp / "corpus.txt"
    write_corpus(corpus)
    sup = sentvec.train_supervised(str(corpus), epoch=5, lr=0.5, dim=10, thread=1, seed=1, verbose=0)
    assert sup.predict("bread cheese oven")[0] == ("__label__food",)
    sup.save_model(str(tmp / "sup.bin"))
    back = sentvec.load_model(str(tmp / "sup.bin"))
    assert back.predict("ball goal team")[0] == sup.predict("ball goal team")[0] == ("__label__sport",)
    for kind in ("skipgram", "sent2vec"):
        m = sentvec.train_unsupervised(str(corpus), model=kind, dim=8, epoch=1, minCount=1,
                                       thread=1, seed=1, verbose=0)
        m.save_model(str(tmp / f"{kind}.bin"))
        again = sentvec.load_model(str(tmp / f"{kind}.bin"))
        np.testing.assert_array_equal(again.get_sentence_vector("bread and cheese"),
                                      m.get_sentence_vector("bread and cheese"))
    print("wheel smoke: trained, saved and reloaded supervised, skipgram and sent2vec models")


def main() -> int:
    golden, source = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    assert source not in Path.cwd().resolve().parents and Path.cwd().resolve() != source, \
        "run from outside the source tree"
    check_environment(source)
    check_fixture(golden)
    with tempfile.TemporaryDirectory() as d:
        check_training(Path(d))
    print("wheel smoke: OK")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    sys.exit(main())
