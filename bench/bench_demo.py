"""How ``sentvec demo``'s options, query words and sentences were chosen (issue 10 item 4).

Not run by pytest. For each candidate set of training options, trains sent2vec on the bundled
corpus on one thread with two seeds and prints:

- CPU seconds of training (one thread; the demo's wall time on an idle machine is about this);
- sentence pairs: over candidate paraphrase pairs, how often a sentence's nearest other sentence
  is its partner (cosine after removing the corpus's mean sentence vector, as the demo shows);
- word neighbours: for each candidate query word, how many of its 8 nearest words (after removing
  the mean word vector, among the 20,000 most frequent words) agree between the two seeds.

Usage (from the repository root, after a build)::

    PYTHONPATH=build/dev/py python3 bench/bench_demo.py              # every candidate
    PYTHONPATH=build/dev/py python3 bench/bench_demo.py --only chosen

For "chosen" (the demo's options) it also prints the sets of 4 candidate pairs that the demo could
show: those whose sentences pair up as written for both seeds, widest margin first; the demo
shows the first (``demo.SHOWN_PAIRS``). The query words are among the most stable ones.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time

import numpy as np
import sentvec
from sentvec.cli import demo

CANDIDATES: dict[str, dict] = {
    "wave1": dict(dim=100, epoch=5, lr=0.2, minCount=3, wordNgrams=2, neg=10, t=1e-4, dropoutK=2, bucket=200_000),
    "chosen": demo.DEFAULTS,
    "bigrams": {**demo.DEFAULTS, "wordNgrams": 2},
    "epoch5": {**demo.DEFAULTS, "epoch": 5},
    "epoch15": {**demo.DEFAULTS, "epoch": 15},
    "dim50": {**demo.DEFAULTS, "dim": 50},
    "minCount3": {**demo.DEFAULTS, "minCount": 3},
    "minCount10": {**demo.DEFAULTS, "minCount": 10},
    "lr0.1": {**demo.DEFAULTS, "lr": 0.1},
}
WORDS = ["whale", "ship", "sea", "heaven", "sister", "night", "king", "love", "god", "death", "war", "gold",
         "horse", "father", "mother", "house", "fire", "blood", "sword", "soul", "boat", "captain", "daughter",
         "money", "marriage", "letter", "church", "hell", "angel", "battle", "wine", "ocean", "married", "queen"]


def train(path: str, opts: dict, seed: int) -> tuple[sentvec.Model, float]:
    start = time.process_time()
    model = sentvec.train_unsupervised(path, model="sent2vec", **{**opts, "seed": seed, "thread": 1, "verbose": 0})
    return model, time.process_time() - start


def pair_hits(model: sentvec.Model, mean: np.ndarray) -> list[int]:
    """Per candidate pair, how many of its two sentences have the other as their nearest sentence."""
    sents = [s for pair in demo.CANDIDATE_PAIRS for s in pair]
    v = demo.centered_unit(model.embed_sentences(sents), mean)
    sims = v @ v.T
    np.fill_diagonal(sims, -2)
    hits = [int(np.argmax(sims[i])) == (i ^ 1) for i in range(len(sents))]
    return [hits[2 * p] + hits[2 * p + 1] for p in range(len(demo.CANDIDATE_PAIRS))]


def shown_pairs(models: list[sentvec.Model], lines: list[str]) -> list[tuple[float, tuple[int, ...]]]:
    """The 4-pair sets whose 8 sentences pair up as written for every model, widest margin first
    (margin: the 4th most similar pair's cosine minus the 5th's, the smaller over the models)."""
    found: dict[tuple[int, ...], float] = {}
    want = {(0, 1), (2, 3), (4, 5), (6, 7)}
    means = [demo.mean_sentence_vector(m, lines) for m in models]
    for sub in itertools.combinations(range(len(demo.CANDIDATE_PAIRS)), 4):
        sents = [s for i in sub for s in demo.CANDIDATE_PAIRS[i]]
        margins = []
        for model, mean in zip(models, means):
            ranked = demo.ranked_pairs(demo.centered_unit(model.embed_sentences(sents), mean))
            if {(i, j) for _, i, j in ranked[:4]} != want:
                break
            margins.append(ranked[3][0] - ranked[4][0])
        else:
            found[sub] = min(margins)
    return sorted(((m, sub) for sub, m in found.items()), reverse=True)


def neighbours(model: sentvec.Model) -> dict[str, list[str]]:
    index = demo.WordIndex(model)
    return {w: [n for _, n in index.nearest(w, 8)] for w in WORDS if w in index}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=list(CANDIDATES))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "corpus.txt")
        with open(path, "wb") as f:
            f.write(demo.read_corpus())
        lines = demo.read_corpus().decode().split("\n")[:-1]
        for name in args.only:
            runs = [train(path, CANDIDATES[name], seed) for seed in (1, 2)]
            accs, nns = [], []
            for model, _ in runs:
                mean = demo.mean_sentence_vector(model, lines)
                accs.append(pair_hits(model, mean))
                nns.append(neighbours(model))
            stable = {w: len(set(nns[0][w]) & set(nns[1][w])) for w in nns[0] if w in nns[1]}
            cpu = sum(t for _, t in runs) / 2
            acc = [sum(a) / (2 * len(a)) for a in accs]
            print(f"{name:<11} cpu {cpu:5.1f} s  pairs {acc[0]:.2f} {acc[1]:.2f}  "
                  f"neighbours agreeing (of 8) mean {np.mean(list(stable.values())):.2f}")
            print("   pair hits (of 2, both seeds): " + " ".join(f"{a}{b}" for a, b in zip(*accs)))
            print("   most stable: " + ", ".join(f"{w} {n}" for w, n in sorted(stable.items(), key=lambda x: -x[1])))
            for w in sorted(stable, key=lambda x: -stable[x])[:12]:
                print(f"     {w:<9} {' '.join(nns[0][w])}")
            if name == "chosen":
                best = shown_pairs([m for m, _ in runs], lines)[:5]
                print("   pair sets for the demo (margin, CANDIDATE_PAIRS indices): " + str(best))


if __name__ == "__main__":
    main()
