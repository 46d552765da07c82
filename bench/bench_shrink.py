"""Shrinking benchmark: size, load time and quality of quantized / pruned models (issue 13).

Trains, in a temporary folder (never in the repository):
- a skipgram model on a prefix of ``en.txt`` (dim 100, bucket 2M, char n-grams 3..6);
- a sent2vec model on a prefix of ``en-sentences`` (dim 100, bigrams, bucket 2M);
then shrinks each at several settings (about 10x and about 50x smaller and in between) and
prints, for the original and every shrunk model: file size, ratio, load time (copying load),
WS353 Spearman (OOV pairs scored with their n-gram vectors), analogy accuracy (30k words) and
STS-B dev Spearman, and the mean cosine to the original's vectors. For skipgram,
compress-fasttext (PyPI, through gensim's ``load_facebook_model``) shrinks the same model with
the same vocabulary, n-gram and sub-vector budgets (``prune_ft_freq``, product quantization),
where it is installed.

Prefixes keep training to a couple of minutes on two cores; ``--lines`` / ``--sentences`` change
them. Needs ../shared (the corpora and the dev sets).

    python bench/bench_shrink.py [--lines 60000] [--sentences 300000] [--threads 2]
"""

from __future__ import annotations

import argparse
import lzma
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("SENTVEC_SHARED", HERE.parent.parent / "shared"))
if not SHARED.exists():
    SHARED = Path("/work/shared")
DATA = SHARED / "data"
EN = DATA / "corpus" / "en.txt.xz"
SENTENCES = DATA / "corpus" / "en-sentences.txt.xz"
WS353 = DATA / "wordsim" / "ws353.tsv"
ANALOGY = DATA / "wordsim" / "questions-words.txt"
STSB = DATA / "sts" / "stsb-dev.tsv"
os.environ.setdefault("OMP_NUM_THREADS", "2")

import sentvec  # noqa: E402
from sentvec import evaluate  # noqa: E402


def prefix(src: Path, dst: Path, lines: int) -> Path:
    with lzma.open(src, "rt", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i == lines:
                break
            out.write(line)
    return dst


def files_size(path: Path) -> int:
    """Bytes of a model: one file, or gensim's files (path plus its .npy companions)."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


class GensimAdapter:
    """compress-fasttext's gensim KeyedVectors behind the methods evaluate needs."""

    def __init__(self, wv):
        self.wv = wv

    def get_words(self):
        return list(self.wv.index_to_key)

    def get_dimension(self):
        return self.wv.vector_size

    def get_word_vector(self, w):
        return np.asarray(self.wv[w], dtype=np.float32)

    def get_sentence_vector(self, s):
        vs = [v / n for v in (self.get_word_vector(w) for w in s.split()) if (n := np.linalg.norm(v)) > 0]
        return np.mean(vs, axis=0) if vs else np.zeros(self.get_dimension(), np.float32)


def scores(model, kind: str, original=None, words=None, sentences=None) -> dict:
    out = {"ws353": evaluate.word_similarity(model, WS353, oov="vector").spearman}
    if kind == "skipgram":
        out["analogy"] = evaluate.analogy(model, ANALOGY, restrict_vocab=30000).accuracy
    out["stsb"] = evaluate.sts(model, STSB).spearman
    if original is not None and model.get_dimension() == original.get_dimension():
        c = evaluate.compare(original, model, words=words, sentences=sentences if kind == "sent2vec" else None)
        out["cos_words"] = c.word_cosine
        if kind == "sent2vec":
            out["cos_sent"] = c.sentence_cosine
    return out


def row(name: str, size: int, base: int, load_s: float, sc: dict, base_sc: dict | None) -> str:
    keys = [k for k in ("ws353", "analogy", "stsb") if k in sc]
    parts = [f"{name:<34} {size / 1e6:9.1f} MB {base / size:6.1f}x  load {load_s:6.2f}s"]
    for k in keys:
        d = "" if base_sc is None else f" ({sc[k] - base_sc[k]:+.3f})"
        parts.append(f"{k} {sc[k]:.3f}{d}")
    for k in ("cos_words", "cos_sent"):
        if k in sc:
            parts.append(f"{k} {sc[k]:.3f}")
    return "  ".join(parts)


def timed_load(path: Path):
    t = time.perf_counter()
    m = sentvec.load_model(path)
    return m, time.perf_counter() - t


SETTINGS = {
    # name: (prune words, prune buckets, quantize options)
    "skipgram": [
        ("quantize dsub=2 qout", None, None, dict(dsub=2, qout=True)),
        ("prune 1M + quantize dsub=2", None, 1_000_000, dict(dsub=2, qout=True)),
        ("prune 250k + quantize dsub=2", None, 250_000, dict(dsub=2, qout=True)),
        ("prune 250k + quantize dsub=4", None, 250_000, dict(dsub=4, qout=True)),
        # About the file size of compress-fasttext's 250k-n-gram, qdim-25 model (5.4 MB): the
        # comparison at equal size.
        ("prune 145k + quantize dsub=4", None, 145_000, dict(dsub=4, qout=True)),
        # The same size with quantized norms (one more byte a row: fewer buckets).
        ("prune 138k + quantize dsub=4 qnorm", None, 138_000, dict(dsub=4, qout=True, qnorm=True)),
    ],
    "sent2vec": [
        ("quantize dsub=2 qout", None, None, dict(dsub=2, qout=True)),
        ("prune 1M + quantize dsub=2", None, 1_000_000, dict(dsub=2, qout=True)),
        ("prune 250k + quantize dsub=2", None, 250_000, dict(dsub=2, qout=True)),
        ("prune 250k + quantize dsub=4", None, 250_000, dict(dsub=4, qout=True)),
    ],
}


def gensim_source(bin_path: Path, tmp: Path):
    """The .bin as gensim's FastTextKeyedVectors, what compress-fasttext shrinks (loaded once)."""
    from gensim.models.fasttext import load_facebook_model

    # gensim refuses bytes after the output matrix: give it a copy without sentvec's trailer.
    plain = tmp / "for-gensim.bin"
    data = bin_path.read_bytes()
    at = data.rfind(b"SENTVEC\0", max(0, len(data) - (1 << 16)))
    plain.write_bytes(data if at < 0 else data[:at])
    del data
    ft = load_facebook_model(str(plain)).wv
    plain.unlink()
    return ft


def compress_fasttext_model(ft, tmp: Path, words: int, buckets: int, qdim: int, seed: int):
    """compress-fasttext's pruned + product-quantized model of `ft` (its k-means draws from
    numpy's global generator: seeded here), saved: its path and the seconds it took."""
    import compress_fasttext

    t = time.perf_counter()
    np.random.seed(seed)
    small = compress_fasttext.prune_ft_freq(ft, new_vocab_size=words, new_ngrams_size=buckets, pq=True, qdim=qdim)
    shrink_s = time.perf_counter() - t
    path = tmp / f"cft-{buckets}-{qdim}.bin"
    small.save(str(path))
    return path, shrink_s


# The comparison at equal size: compress-fasttext keeps every word vector and up to 250k n-gram
# rows (all 124k the vocabulary uses here), sub-vectors of 4 values (qdim 25), no output matrix:
# 5.4 MB. sentvec at about that size: every word, the n-grams re-hashed into 145k buckets, dsub 4,
# the output matrix quantized too (official fastText needs it to open the file).
EQUAL_SIZE = dict(cf_buckets=250_000, cf_qdim=25, buckets=145_000, quantize=dict(dsub=4, qout=True))


def equal_size(base_path: Path, tmp: Path, original, base_size: int, base_sc: dict, bucket: int, threads: int,
               seeds: int) -> None:
    """Both shrinkers at about 5.4 MB over `seeds` k-means seeds (k-means noise moves WS353 by
    +-0.02 from one seed to the next): per-seed rows, then the mean and range of each score and
    the difference of the means."""
    try:
        import compress_fasttext  # noqa: F401
        import gensim  # noqa: F401
    except ImportError as e:
        print(f"{'compress-fasttext':<34} not installed ({e}): no equal-size comparison")
        return
    e = EQUAL_SIZE
    pb = e["buckets"] * bucket // 2_000_000
    cb = e["cf_buckets"] * bucket // 2_000_000
    print(f"\n-- equal size, {seeds} k-means seeds: sentvec prune {pb // 1000}k + quantize {e['quantize']} "
          f"vs compress-fasttext {cb // 1000}k q{e['cf_qdim']}")
    from gensim.models.fasttext import FastTextKeyedVectors

    ft = gensim_source(base_path, tmp)
    got: dict[str, list[dict]] = {"sentvec": [], "compress-fasttext": []}
    sizes: dict[str, int] = {}
    for seed in range(seeds):
        t = time.perf_counter()
        m = sentvec.load_model(base_path, mmap=True)
        m.prune(buckets=pb)
        m.quantize(**e["quantize"], thread=threads, seed=seed)
        path = tmp / "equal-size.ftz"
        m.save_model(path)
        shrink_s = time.perf_counter() - t
        del m
        small, ls = timed_load(path)
        sc = scores(small, "skipgram", original)
        sizes["sentvec"] = path.stat().st_size
        got["sentvec"].append(sc)
        print(row(f"sentvec seed {seed}", sizes["sentvec"], base_size, ls, sc, base_sc) + f"  (shrink {shrink_s:.0f}s)",
              flush=True)
        path, shrink_s = compress_fasttext_model(ft, tmp, len(original.words), cb, e["cf_qdim"], seed)
        t = time.perf_counter()
        kv = FastTextKeyedVectors.load(str(path))
        ls = time.perf_counter() - t
        sc = scores(GensimAdapter(kv), "skipgram", original)
        sizes["compress-fasttext"] = files_size(path)
        got["compress-fasttext"].append(sc)
        print(row(f"compress-fasttext seed {seed}", sizes["compress-fasttext"], base_size, ls, sc, base_sc)
              + f"  (shrink {shrink_s:.0f}s)", flush=True)
    keys = ("ws353", "analogy", "stsb")
    mean = {name: {k: float(np.mean([s[k] for s in v])) for k in keys} for name, v in got.items()}
    for name, v in got.items():
        parts = [f"{k} {mean[name][k]:.4f} [{min(s[k] for s in v):.3f}-{max(s[k] for s in v):.3f}]" for k in keys]
        print(f"{name + ' mean':<34} {sizes[name] / 1e6:9.2f} MB  " + "  ".join(parts))
    d = "  ".join(f"{k} {mean['sentvec'][k] - mean['compress-fasttext'][k]:+.4f}" for k in keys)
    print(f"{'sentvec - compress-fasttext':<34} {(sizes['sentvec'] - sizes['compress-fasttext']) / 1e6:+9.2f} MB  {d}",
          flush=True)


def run_kind(kind: str, corpus: Path, tmp: Path, threads: int, bucket: int, seeds: int) -> None:
    opts = dict(dim=100, bucket=bucket, thread=threads, seed=1, verbose=0, epoch=5)
    if kind == "skipgram":
        opts.update(minCount=5, minn=3, maxn=6)
    else:
        opts.update(minCount=5, wordNgrams=2, minn=0, maxn=0, loss="ns", neg=10, lr=0.2, t=5e-6, dropoutK=4)
    t = time.perf_counter()
    model = sentvec.train_unsupervised(str(corpus), model=kind, **opts)
    train_s = time.perf_counter() - t
    base_path = tmp / f"{kind}.bin"
    model.save_model(base_path)
    del model
    original, load_s = timed_load(base_path)
    base_size = base_path.stat().st_size
    words = original.words[:5000]
    sentences = None
    if kind == "sent2vec":
        _, a, b = evaluate.read_sts(STSB)
        sentences = [evaluate.normalize(x) for x in (a + b)[:2000]]
    base_sc = scores(original, kind)
    print(f"\n== {kind}: {len(original.words)} words, trained in {train_s:.0f}s on {corpus.stat().st_size / 1e6:.0f} MB "
          f"({opts})")
    print(row("original", base_size, base_size, load_s, base_sc, None))
    t = time.perf_counter()
    m = sentvec.load_model(base_path, mmap=True).to_float16()  # float16 input rows (sentvec-only file)
    path = tmp / f"{kind}-f16.bin"
    m.save_model(path)
    shrink_s = time.perf_counter() - t
    del m
    small, ls = timed_load(path)
    sc = scores(small, kind, original, words=words, sentences=sentences)
    print(row("float16 input", path.stat().st_size, base_size, ls, sc, base_sc) + f"  (shrink {shrink_s:.0f}s)",
          flush=True)
    path.unlink()
    for name, pw, pb, q in SETTINGS[kind]:
        if pb is not None and bucket != 2_000_000:  # a smoke run with fewer buckets: same ratios
            pb = pb * bucket // 2_000_000
            name += f" (x{bucket / 2e6:g})"
        t = time.perf_counter()
        m = sentvec.load_model(base_path, mmap=True)
        if pw or pb is not None:
            m.prune(words=pw, buckets=pb)
        m.quantize(**q, thread=threads)
        path = tmp / f"{kind}-{len(name)}.ftz"
        m.save_model(path)
        shrink_s = time.perf_counter() - t
        del m
        small, ls = timed_load(path)
        sc = scores(small, kind, original, words=words, sentences=sentences)
        print(row(name, path.stat().st_size, base_size, ls, sc, base_sc) + f"  (shrink {shrink_s:.0f}s)", flush=True)
        path.unlink()
    if kind == "skipgram":
        equal_size(base_path, tmp, original, base_size, base_sc, bucket, threads, seeds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=60000, help="en.txt lines for skipgram")
    ap.add_argument("--sentences", type=int, default=300000, help="en-sentences lines for sent2vec")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bucket", type=int, default=2_000_000, help="bucket (2M; less for a smoke run)")
    ap.add_argument("--only", choices=["skipgram", "sent2vec"])
    ap.add_argument("--seeds", type=int, default=5,
                    help="k-means seeds of the equal-size comparison with compress-fasttext (skipgram)")
    a = ap.parse_args()
    for p in (EN, SENTENCES, WS353, ANALOGY, STSB):
        if not p.exists():
            sys.exit(f"missing {p} (the shared data)")
    with tempfile.TemporaryDirectory(prefix="bench_shrink") as d:
        tmp = Path(d)
        if a.only in (None, "skipgram"):
            run_kind("skipgram", prefix(EN, tmp / "en.txt", a.lines), tmp, a.threads, a.bucket, a.seeds)
        if a.only in (None, "sent2vec"):
            run_kind("sent2vec", prefix(SENTENCES, tmp / "s.txt", a.sentences), tmp, a.threads, a.bucket, a.seeds)


if __name__ == "__main__":
    main()
