"""sent2vec benchmark (issue 4): train on the English sentence corpus with BASELINES.md's
options, score STS-B dev, and measure sentence-embedding throughput.

Not run by pytest. Usage (from the repository root, after a build)::

    PYTHONPATH=build/s2v/py python3 bench/bench_sent2vec.py            # whole corpus
    PYTHONPATH=build/s2v/py python3 bench/bench_sent2vec.py --bytes 30000000
    PYTHONPATH=build/s2v/py python3 bench/bench_sent2vec.py --calibrate  # + official fastText run

Official sent2vec is not on PyPI, so its figures (BASELINES.md: STS-B dev 0.502 in 231 s on
2 threads, whole corpus; 0.344 in 50 s on the first 30,000,000 bytes) stand in for running it.
They were measured on a 2-core AMD EPYC (Zen 3); ``--calibrate`` reruns BASELINES.md's official
fastText skipgram figure (65 s there) here, to see how this machine compares.

Throughput: ``Model.embed_sentences`` (1 and 2 threads) and ``Model.embed_file`` against a
Python loop over official fastText's ``get_sentence_vector`` on the same .bin file, in
sentences per second, printed as ratios.
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sentvec
from sentvec import evaluate

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SENTVEC_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "data" / "corpus" / "en-sentences.txt.xz"
EN = SHARED / "data" / "corpus" / "en.txt.xz"
STSB_DEV = SHARED / "data" / "sts" / "stsb-dev.tsv"
OUT = REPO / "bench" / "out"

# BASELINES.md, official sent2vec options.
OPTIONS = {
    "model": "sent2vec", "dim": 100, "epoch": 5, "lr": 0.2, "wordNgrams": 2, "minCount": 5, "neg": 10, "dropoutK": 4,
    "t": 0.000005, "minCountTarget": 5, "bucket": 2000000, "thread": 2, "loss": "ns",
}
OFFICIAL = {"whole": (0.502, 231.0), 30_000_000: (0.344, 50.0)}


def decompress(src: Path, dst: Path, limit: int | None) -> Path:
    """The first `limit` bytes (whole lines) of an .xz file, cached in bench/out."""
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".part")
    with lzma.open(src, "rb") as f, open(tmp, "wb") as out:
        if limit is None:
            while True:
                block = f.read(1 << 24)
                if not block:
                    break
                out.write(block)
        else:
            data = f.read(limit)
            out.write(data[: data.rfind(b"\n") + 1])
    tmp.replace(dst)
    return dst


def calibrate() -> None:
    """BASELINES.md: official fastText skipgram, dim 100, epoch 3, thread 2, minCount 5 on the
    first 20,000,000 bytes of en.txt: 65 s on the reference machine."""
    import fasttext

    path = decompress(EN, OUT / "en-20mb.txt", 20_000_000)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    fasttext.train_unsupervised(str(path), model="skipgram", dim=100, epoch=3, thread=2, minCount=5, verbose=0)
    dt = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    print(f"  official fastText CPU {(r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime):.1f} s")
    print(f"calibration: official fastText skipgram (BASELINES: 65 s on the reference machine): {dt:.1f} s here "
          f"-> this machine runs the official program at {65.0 / dt:.2f}x the reference speed")


def throughput(model_path: Path, sentences: list[str], repeat: int = 3) -> dict:
    """Sentences/second: sentvec batch (1, 2 threads), embed_file, official fastText loop."""
    m = sentvec.load_model(model_path)
    res = {}
    for threads in (1, 2):
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            m.embed_sentences(sentences, threads=threads)
            best = min(best, time.perf_counter() - t0)
        res[f"sentvec_embed_sentences_{threads}t"] = len(sentences) / best
    with tempfile.TemporaryDirectory(dir=OUT) as d:
        src = Path(d) / "s.txt"
        src.write_text("\n".join(sentences) + "\n", encoding="utf-8")
        for threads in (1, 2):
            t0 = time.perf_counter()
            m.embed_file(src, Path(d) / "o.npy", threads=threads)
            res[f"sentvec_embed_file_{threads}t"] = len(sentences) / (time.perf_counter() - t0)
    # Official fastText: a Python loop over get_sentence_vector (one thread; the official
    # package has no batch call). It opens a sentvec sent2vec file; its sentence vector of a
    # model=4 file follows fastText's unsupervised rule, a comparable amount of work.
    code = (
        "import fasttext, sys, time, json\n"
        f"m = fasttext.load_model({str(model_path)!r})\n"
        "lines = sys.stdin.read().split('\\n')[:-1]\n"
        "best = 1e9\n"
        f"for _ in range({repeat}):\n"
        "    t0 = time.perf_counter()\n"
        "    for s in lines: m.get_sentence_vector(s)\n"
        "    best = min(best, time.perf_counter() - t0)\n"
        "print(json.dumps(len(lines) / best))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], input="\n".join(sentences) + "\n",
                       capture_output=True, text=True, check=True)
    res["official_python_loop_1t"] = json.loads(r.stdout.strip().splitlines()[-1])
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bytes", type=int, default=None, help="train on the first N bytes only")
    ap.add_argument("--thread", type=int, default=2)
    ap.add_argument("--update", choices=["window", "fasttext"], default="window",
                    help="sent2vec's step: 'window' (the default) or 'fasttext' (sent2vec's own)")
    ap.add_argument("--calibrate", action="store_true", help="also time official fastText (BASELINES figure)")
    ap.add_argument("--no-train", action="store_true", help="reuse bench/out/s2v-bench.bin")
    ap.add_argument("--throughput-sentences", type=int, default=100000)
    args = ap.parse_args()
    if not CORPUS.exists():
        sys.exit(f"needs the shared corpus {CORPUS}")
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f} (other processes disturb timings)")
    if args.calibrate:
        calibrate()

    name = "whole" if args.bytes is None else args.bytes
    corpus = decompress(CORPUS, OUT / (f"en-sentences-{args.bytes}.txt" if args.bytes else "en-sentences.txt"), args.bytes)
    model_path = OUT / "s2v-bench.bin"
    opts = dict(OPTIONS, thread=args.thread, update=args.update, verbose=0)
    if not args.no_train:
        print(f"training sentvec sent2vec on {corpus.name} ({corpus.stat().st_size:,} bytes): {opts}")
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        curve: list = []
        model = sentvec.train_unsupervised(str(corpus), callback=curve.append, **opts)
        train_s = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu_s = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        print(f"  wall {train_s:.1f} s, CPU {cpu_s:.1f} s (load average now {os.getloadavg()[0]:.1f})")
        model.save_model(model_path)
    else:
        model = sentvec.load_model(model_path)
        train_s = float("nan")
        curve = []
    sts = evaluate.sts(model, STSB_DEV)
    print(f"sentvec : STS-B dev Spearman {sts.spearman:.3f}  train {train_s:.1f} s "
          f"(dictionary build included, {args.thread} threads), {len(model.words)} words")
    if name in OFFICIAL:
        s_off, t_off = OFFICIAL[name]
        print(f"official sent2vec (BASELINES.md, reference machine): STS-B dev {s_off:.3f}  train {t_off:.0f} s")
        print(f"  quality: {sts.spearman - s_off:+.3f} (must be >= -0.010)   time ratio sentvec/official: "
              f"{train_s / t_off:.2f} (must be <= 1)")

    with lzma.open(CORPUS, "rt", encoding="utf-8") as f:
        sentences = [next(f).rstrip("\n") for _ in range(args.throughput_sentences)]
    tp = throughput(model_path, sentences)
    base = tp["official_python_loop_1t"]
    print(f"throughput on {len(sentences):,} corpus sentences (sentences/s; ratio to the official loop):")
    for k, v in tp.items():
        print(f"  {k:32s} {v:12,.0f}  x{v / base:.1f}")
    plot(curve, tp, sts.spearman, OFFICIAL.get(name), OUT / "bench_sent2vec.png")


def plot(curve: list, tp: dict, spearman: float, official, path: Path) -> None:
    """Training curve (loss and speed against progress) and the throughput ratios, as a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib missing: no plot)")
        return
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    if curve:
        prog = [100 * c.progress for c in curve]
        ax.plot(prog, [c.loss for c in curve], color="tab:blue", label="mean loss")
        ax.set_xlabel("training progress (%)")
        ax.set_ylabel("mean loss", color="tab:blue")
        ax2 = ax.twinx()
        ax2.plot(prog, [c.words_per_sec_per_thread / 1000 for c in curve], color="tab:orange", alpha=0.6)
        ax2.set_ylabel("k words/sec/thread", color="tab:orange")
        title = f"sent2vec training: STS-B dev {spearman:.3f}"
        if official:
            title += f" (official {official[0]:.3f})"
        ax.set_title(title)
    else:
        ax.text(0.5, 0.5, "no training in this run", ha="center")
    ax = axes[1]
    base = tp["official_python_loop_1t"]
    names = list(tp)
    ax.barh(names, [tp[k] / base for k in names], color=["tab:gray" if "official" in k else "tab:green" for k in names])
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel("sentences/sec, ratio to the official Python loop")
    ax.set_title("embedding throughput")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
