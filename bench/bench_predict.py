"""Inference benchmark: sentvec against official fastText and the fastText forks that install here.

Cases, per thread, the same inputs for every library (issue 15 item 3):
  * ``predict`` on short texts (cooking.valid without labels, repeated to ``--short`` lines) and on
    long documents (``--docs`` documents of 200-2,000 tokens made from cooking questions), k=1 and
    k=5, for softmax, one-vs-all and hierarchical-softmax models trained by official fastText;
  * sentence vectors: sentvec's ``embed_sentences`` against a loop over ``get_sentence_vector``;
  * word vectors of out-of-vocabulary words: ``get_word_vectors`` against a loop over ``get_word_vector``;
  * sentvec's batch calls with 1 and 2 threads (the scaling).

Peers (each in its own virtual environment, because most install a module named ``fasttext``):
pass ``--peer NAME=PYTHON[:MODULE]``, e.g.
``--peer turbo=/work/peers/fasttext-turbo/bin/python --peer new=/work/peers/fasttext-new/bin/python:fasttext_new``.
Every library runs in a child process of its own, interleaved round by round, best of ``--rounds``.
The table gives seconds and the ratio of each library's time to sentvec's; a JSON file and a PNG
go under ``--out``.

    python bench/bench_predict.py --out /tmp/bench-predict [--peer ...]   # ~3-5 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SENTVEC_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data"

# Runs in a child: loads the models with one library and times each case once (best of `reps`).
CHILD = r"""
import json, sys, time, importlib
spec = json.loads(sys.argv[1])
lib = importlib.import_module(spec["module"])
is_sentvec = spec["module"] == "sentvec"
def best(fn, reps):
    t = float("inf")
    for _ in range(reps):
        s = time.perf_counter()
        try:
            fn()
        except AttributeError:  # a fork without this call (fasttext-threaded: no get_sentence_vector)
            return None
        t = min(t, time.perf_counter() - s)
    return t
texts = {k: open(p, encoding="utf-8").read().split("\n")[:-1] for k, p in spec["inputs"].items()}
out = {}
for kind, path in spec["supervised"].items():
    # One thread for every library: fasttext-threaded starts a pool of cpu_count threads unless
    # told (fasttext-new's rayon pool is held to one by RAYON_NUM_THREADS, set by the parent).
    m = lib.load_model(path, threads=1) if spec["module"] == "fasttext_threaded" else lib.load_model(path)
    for name, lines in (("short", texts["short"]), ("long", texts["long"])):
        for k in (1, 5):
            if is_sentvec:
                for th in (1, 2):
                    out[f"predict {kind} {name} k={k} t={th}"] = best(lambda: m.predict(lines, k=k, threads=th), spec["reps"])
            else:
                out[f"predict {kind} {name} k={k} t=1"] = best(lambda: m.predict(lines, k=k), spec["reps"])
u = lib.load_model(spec["unsupervised"])
sents, oov = texts["short"], texts["oov"]
if is_sentvec:
    for th in (1, 2):
        out[f"sentence vectors t={th}"] = best(lambda: u.embed_sentences(sents, threads=th), spec["reps"])
        out[f"oov word vectors t={th}"] = best(lambda: u.get_word_vectors(oov, threads=th), spec["reps"])
else:
    out["sentence vectors t=1"] = best(lambda: [u.get_sentence_vector(s) for s in sents], spec["reps"])
    out["oov word vectors t=1"] = best(lambda: [u.get_word_vector(w) for w in oov], spec["reps"])
print(json.dumps(out))
"""

TRAIN = r"""
import fasttext, json, sys
spec = json.loads(sys.argv[1])
for kind, (path, loss) in spec["supervised"].items():
    fasttext.train_supervised(spec["train"], loss=loss, wordNgrams=2, epoch=5, lr=0.5, dim=100, thread=2,
                              verbose=0, seed=1).save_model(path)
fasttext.train_unsupervised(spec["corpus"], model="skipgram", dim=100, epoch=1, thread=2, verbose=0).save_model(
    spec["unsupervised"])
"""


def make_inputs(work: Path, nshort: int, ndocs: int) -> dict[str, str]:
    """Short texts, long documents and out-of-vocabulary words, one per line."""
    valid = (DATA / "classification" / "cooking.valid").read_text(encoding="utf-8").splitlines()
    short = [" ".join(w for w in line.split() if not w.startswith("__label__")) for line in valid]
    short = (short * (nshort // len(short) + 1))[:nshort]
    rng = random.Random(7)
    words = " ".join(short).split()
    docs = []
    for _ in range(ndocs):
        n = rng.randint(200, 2000)
        start = rng.randrange(0, len(words) - n)
        docs.append(" ".join(words[start:start + n]))
    oov = [f"{w}{rng.choice('qxzj')}{rng.randint(0, 99)}" for w in rng.choices(words, k=20000)]
    paths = {}
    for name, lines in (("short", short), ("long", docs), ("oov", oov)):
        p = work / f"{name}.txt"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths[name] = str(p)
    return paths


def corpus_slice(nbytes: int, out: Path) -> Path:
    import lzma

    p = out / f"en-{nbytes}.txt"
    if not p.exists():
        with lzma.open(DATA / "corpus" / "en.txt.xz", "rb") as f:
            data = f.read(nbytes)
        p.write_bytes(data[: data.rfind(b"\n") + 1])
    return p


def run_child(python: str, module: str, spec: dict) -> dict[str, float]:
    env = dict(os.environ)
    # Per-thread figures: forks that score lists on a thread pool get one thread.
    env.update(RAYON_NUM_THREADS="1", OMP_NUM_THREADS="1")
    if module == "sentvec":
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    r = subprocess.run([python, "-c", CHILD, json.dumps(dict(spec, module=module))], capture_output=True,
                       text=True, env=env, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"{module} ({python}) failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def plot(table: dict[str, dict[str, float]], libs: list[str], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib missing: no plot)")
        return
    cases = [c for c in table if c.endswith("t=1")]
    fig, ax = plt.subplots(figsize=(11, 0.35 * len(cases) + 1.5))
    h = 0.8 / len(libs)
    for i, lib in enumerate(libs):
        xs = [table[c]["fasttext"] / table[c][lib] if table[c].get(lib) else 0 for c in cases]
        ax.barh([j + i * h for j in range(len(cases))], xs, height=h, label=lib)
    ax.set_yticks([j + 0.4 for j in range(len(cases))])
    ax.set_yticklabels([c[:-4] for c in cases], fontsize=8)
    ax.axvline(1, color="k", lw=0.5)
    ax.axvline(4, color="r", lw=0.5, ls="--")
    ax.set_xlabel("speed relative to official fastText (one thread; higher is faster)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"plot: {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "sentvec-bench-predict")
    ap.add_argument("--short", type=int, default=20000)
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=2, help="timings of each case per child (best kept)")
    ap.add_argument("--peer", action="append", default=[], help="NAME=PYTHON[:MODULE]")
    args = ap.parse_args(argv)
    if not (DATA / "classification" / "cooking.train").exists():
        print(f"needs {DATA} (the shared data)")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    spec = {"inputs": make_inputs(args.out, args.short, args.docs), "reps": args.reps,
            "supervised": {k: str(args.out / f"sup-{k}.bin") for k in ("softmax", "ova", "hs")},
            "unsupervised": str(args.out / "skipgram.bin")}
    train = {"train": str(DATA / "classification" / "cooking.train"),
             "corpus": str(corpus_slice(5_000_000, args.out)), "unsupervised": spec["unsupervised"],
             "supervised": {k: (p, k) for k, p in spec["supervised"].items()}}
    subprocess.run([sys.executable, "-c", TRAIN, json.dumps(train)], check=True)

    libs = {"sentvec": (sys.executable, "sentvec"), "fasttext": (sys.executable, "fasttext")}
    for p in args.peer:
        name, _, rest = p.partition("=")
        python, _, module = rest.partition(":")
        libs[name] = (python, module or "fasttext")
    best: dict[str, dict[str, float]] = {}
    for rnd in range(args.rounds):
        for lib, (python, module) in libs.items():
            try:
                got = run_child(python, module, spec)
            except RuntimeError as e:
                print(f"round {rnd + 1}: {lib}: {e}", flush=True)
                continue
            for case, sec in got.items():
                if sec is None:
                    continue
                prev = best.setdefault(case, {}).get(lib)
                best[case][lib] = sec if prev is None else min(prev, sec)
        print(f"round {rnd + 1} done (load average {os.getloadavg()[0]:.1f})", flush=True)

    names = list(libs)
    print(f"\nload average {os.getloadavg()[0]:.1f}; seconds (best of {args.rounds}); x = that library's time / "
          "sentvec's, one thread (>1: sentvec is faster)")
    print(f"{'case':38s}" + "".join(f"{n:>14s}" for n in names) + f"{'vs official':>13s}{'vs best peer':>14s}")
    for case in sorted(best):
        if not case.endswith("t=1"):
            continue
        row = best[case]
        sv = row.get("sentvec")
        cells = "".join(f"{row[n]:14.4f}" if n in row else f"{'-':>14s}" for n in names)
        peers = [row[n] for n in names if n not in ("sentvec", "fasttext") and n in row]
        vs_off = f"{row['fasttext'] / sv:12.2f}x" if sv and "fasttext" in row else f"{'-':>13s}"
        vs_peer = f"{min(peers) / sv:13.2f}x" if sv and peers else f"{'-':>14s}"
        print(f"{case[:-4]:38s}{cells}{vs_off}{vs_peer}")
    print("\nsentvec batch calls, 1 -> 2 threads:")
    for case in sorted(best):
        if case.endswith("t=2") and "sentvec" in best[case]:
            one = best[case[:-1] + "1"]["sentvec"]
            print(f"  {case[:-4]:38s} {one / best[case]['sentvec']:.2f}x")
    (args.out / "bench_predict.json").write_text(json.dumps(best, indent=1))
    plot(best, [n for n in names if n != "fasttext"], args.out / "bench_predict.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
