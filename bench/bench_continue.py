"""Continued training benchmark (issue 12, "How it is checked"): a model trained on one part of
the data and then trained further (``init_model=``) on the rest, against a model trained from
scratch on all of it, for the same number of passes over each token.

Not run by pytest. Usage (from the repository root, after a build)::

    PYTHONPATH=build/ctrain/py python3 bench/bench_continue.py
    PYTHONPATH=build/ctrain/py python3 bench/bench_continue.py --bytes 40000000 --epoch 5

Three comparisons, printed side by side:

1. skipgram on the first ``--bytes`` bytes of ``en.txt`` (whole lines; the first half, then
   continued on the second half, each for ``--epoch`` epochs) vs from scratch on all of it for
   ``--epoch`` epochs: WS353 Spearman and analogy accuracy (questions-words, 30,000 most
   frequent words). Target: within 0.02 / 2 points.
2. supervised cooking: half of ``cooking.train`` then continued on the other half vs all of it
   (the fastText tutorial's options: lr 1.0, epoch 25, wordNgrams 2): P@1 on ``cooking.valid``.
   Target: within 1 point.
3. sent2vec: ``gutenberg-sentences`` then continued on the first ``--s2v-bytes`` of
   ``en-sentences`` vs gutenberg only: STS-B dev Spearman (``sentvec.evaluate.sts``, as
   bench_sent2vec.py scores it). Target: continued >= gutenberg-only.

The corpora are decompressed into a temporary folder (never into the repository). Timings are
wall times on a shared machine.
"""

from __future__ import annotations

import argparse
import lzma
import os
import sys
import tempfile
import time
from pathlib import Path

import sentvec
from sentvec import evaluate

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SENTVEC_SHARED", REPO.parent / "shared")) / "data"
EN = SHARED / "corpus" / "en.txt.xz"
EN_SENT = SHARED / "corpus" / "en-sentences.txt.xz"
GUTENBERG = SHARED / "corpus" / "gutenberg-sentences.txt.xz"
COOKING = SHARED / "classification"
WS353 = SHARED / "wordsim" / "ws353.tsv"
ANALOGY = SHARED / "wordsim" / "questions-words.txt"
STSB_DEV = SHARED / "sts" / "stsb-dev.tsv"


def prefix_lines(src: Path, limit: int | None) -> list[bytes]:
    """The lines (with their newlines) of the first `limit` bytes of an .xz file, whole lines."""
    with lzma.open(src, "rb") as f:
        data = f.read() if limit is None else f.read(limit)
    if limit is not None:
        data = data[: data.rfind(b"\n") + 1]
    return data.splitlines(keepends=True)


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(lines))
    return path


def timed(fn, *a, **kw):
    t0 = time.perf_counter()
    r = fn(*a, **kw)
    return r, time.perf_counter() - t0


def row(name: str, a: float, b: float, unit: str = "") -> str:
    return f"  {name:28s} {a:10.4f}{unit} {b:12.4f}{unit}   diff {b - a:+.4f}"


def bench_skipgram(tmp: Path, nbytes: int, epoch: int, thread: int) -> None:
    lines = prefix_lines(EN, nbytes)
    half = len(lines) // 2
    all_f, a_f, b_f = write(tmp / "en.txt", lines), write(tmp / "a.txt", lines[:half]), write(tmp / "b.txt", lines[half:])
    opts = dict(model="skipgram", dim=100, minCount=5, thread=thread, seed=1, verbose=0)
    print(f"\n[1] skipgram, en.txt first {sum(map(len, lines)):,} bytes ({len(lines):,} lines), dim 100, "
          f"{epoch} epochs, {thread} threads")
    scratch, t_s = timed(sentvec.train_unsupervised, str(all_f), epoch=epoch, **opts)
    first, t_a = timed(sentvec.train_unsupervised, str(a_f), epoch=epoch, **opts)
    cont, t_b = timed(sentvec.train_unsupervised, str(b_f), init_model=first, epoch=epoch,
                      **{k: v for k, v in opts.items() if k not in ("model", "dim")})
    print(f"  words: scratch {len(scratch.words):,}; first half {len(first.words):,}, continued "
          f"{len(cont.words):,} ({len(cont.words) - len(first.words):,} added)")
    print(f"  {'':28s} {'scratch(all)':>10s} {'half+continue':>12s}")
    ws = [evaluate.word_similarity(m, WS353).spearman for m in (scratch, cont)]
    an = [evaluate.analogy(m, ANALOGY, restrict_vocab=30000).accuracy for m in (scratch, cont)]
    print(row("WS353 Spearman", *ws))
    print(row("analogy accuracy", *an))
    print(f"  train time: scratch {t_s:.0f} s; half {t_a:.0f} s + continue {t_b:.0f} s")
    print(f"  within target (0.02 / 2 points): WS353 {abs(ws[1] - ws[0]) <= 0.02}, "
          f"analogy {abs(an[1] - an[0]) <= 0.02}")


def bench_cooking(tmp: Path, thread: int) -> None:
    lines = (COOKING / "cooking.train").read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    all_f, a_f, b_f = COOKING / "cooking.train", write(tmp / "ca.txt", lines[:half]), write(tmp / "cb.txt", lines[half:])
    valid = str(COOKING / "cooking.valid")
    opts = dict(lr=1.0, epoch=25, thread=thread, seed=1, verbose=0)
    print(f"\n[2] supervised cooking ({len(lines):,} lines; halves of {half:,}), lr 1.0, epoch 25, wordNgrams 2")
    scratch = sentvec.train_supervised(str(all_f), wordNgrams=2, **opts)
    first = sentvec.train_supervised(str(a_f), wordNgrams=2, **opts)
    cont = sentvec.train_supervised(str(b_f), init_model=first, **opts)
    print(f"  labels: all {len(scratch.labels)}; first half {len(first.labels)}, continued {len(cont.labels)}")
    print(f"  {'':28s} {'scratch(all)':>10s} {'half+continue':>12s}")
    p = [m.test(valid)[1] for m in (scratch, cont)]
    print(row("P@1 cooking.valid", *p))
    print(f"  first half alone: P@1 {first.test(valid)[1]:.4f}")
    print(f"  within target (1 point): {abs(p[1] - p[0]) <= 0.01}")


def bench_sent2vec(tmp: Path, nbytes: int, thread: int) -> None:
    gut = write(tmp / "gutenberg.txt", prefix_lines(GUTENBERG, None))
    en = write(tmp / "en-sentences.txt", prefix_lines(EN_SENT, nbytes))
    opts = dict(dim=100, epoch=5, lr=0.2, minCount=5, neg=10, dropoutK=4, t=0.000005, thread=thread, seed=1,
                verbose=0)
    print(f"\n[3] sent2vec: gutenberg-sentences ({gut.stat().st_size:,} bytes), then en-sentences first "
          f"{en.stat().st_size:,} bytes; dim 100, wordNgrams 2, bucket 500000, 5 epochs each")
    gmodel, t_g = timed(sentvec.train_unsupervised, str(gut), model="sent2vec", wordNgrams=2, bucket=500000, **opts)
    cont, t_c = timed(sentvec.train_unsupervised, str(en), init_model=gmodel, **opts)
    print(f"  words: gutenberg {len(gmodel.words):,}, continued {len(cont.words):,}")
    print(f"  {'':28s} {'gutenberg':>10s} {'+continued':>12s}")
    s = [evaluate.sts(m, STSB_DEV).spearman for m in (gmodel, cont)]
    print(row("STS-B dev Spearman", *s))
    print(f"  train time: gutenberg {t_g:.0f} s, continue {t_c:.0f} s")
    print(f"  target (continued >= gutenberg-only): {s[1] >= s[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bytes", type=int, default=12_000_000, help="en.txt prefix for skipgram (bytes)")
    ap.add_argument("--epoch", type=int, default=3, help="skipgram epochs (each half, and scratch)")
    ap.add_argument("--s2v-bytes", type=int, default=5_000_000, help="en-sentences prefix (bytes)")
    ap.add_argument("--thread", type=int, default=2)
    ap.add_argument("--only", choices=("skipgram", "cooking", "sent2vec"), default=None)
    args = ap.parse_args()
    for p in (EN, EN_SENT, GUTENBERG, COOKING / "cooking.train", WS353, ANALOGY, STSB_DEV):
        if not p.exists():
            sys.exit(f"needs the shared data file {p}")
    print(f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_continue_") as d:
        tmp = Path(d)
        if args.only in (None, "skipgram"):
            bench_skipgram(tmp, args.bytes, args.epoch, args.thread)
        if args.only in (None, "cooking"):
            bench_cooking(tmp, args.thread)
        if args.only in (None, "sent2vec"):
            bench_sent2vec(tmp, args.s2v_bytes, args.thread)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
