"""Shrinking word and sentence models: quantize every kind, prune, reduce_dim, chained, under a
memory limit, and the comparison report.

Oracles: official fastText (it opens quantized and pruned skipgram/cbow files and must give the
same word vectors), a .ftz written here byte by byte (its vectors decoded with numpy), and the
original model (shrunk vectors must stay close to it).
"""

from __future__ import annotations

import lzma
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sentvec
from helpers.procfs import proc_kb
from serve_models import MAGIC, write_bin

pytestmark = pytest.mark.filterwarnings("ignore")

GUTENBERG = Path(sentvec.__file__).resolve().parent / "data" / "gutenberg-sentences.txt.xz"
OPTS = dict(dim=16, epoch=3, minCount=3, thread=1, seed=1, verbose=0)


def _cos(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    na, nb = np.linalg.norm(a, axis=-1), np.linalg.norm(b, axis=-1)
    return (a * b).sum(-1) / np.where(na * nb > 0, na * nb, 1)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("shrink") / "g.txt"
    with lzma.open(GUTENBERG, "rt", encoding="utf-8") as f, open(p, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i == 8000:
                break
            out.write(line)
    return p


@pytest.fixture(scope="module")
def models(corpus, tmp_path_factory):
    """One trained .bin of each kind (skipgram and cbow with char n-grams, sent2vec with bigrams)."""
    d = tmp_path_factory.mktemp("shrink-models")
    out = {}
    for kind, extra in (("skipgram", dict(bucket=20000)), ("cbow", dict(bucket=20000)),
                        ("sent2vec", dict(bucket=20000, wordNgrams=2, minn=0, maxn=0))):
        m = sentvec.train_unsupervised(str(corpus), model=kind, **OPTS, **extra)
        m.save_model(str(d / f"{kind}.bin"))
        out[kind] = d / f"{kind}.bin"
    return out


def _sentences(corpus, n=200):
    with open(corpus, encoding="utf-8") as f:
        return [next(f).strip() for _ in range(n)]


QUERIES = ["whale", "ship", "the", "captain", "sea", "whaleboatsz", "unknownish", "é"]


# ------------------------------------------------------------------ quantize every model kind
def test_quantize_seed_picks_the_kmeans_draws(models):
    """quantize(seed=) seeds k-means: the same seed gives the same codes, another seed other
    codes (for benchmarks that average over k-means draws); None is the model's seed."""
    def vectors(**kw):
        q = sentvec.load_model(models["skipgram"]).quantize(dsub=4, **kw)
        return q.get_word_vectors(QUERIES)

    np.testing.assert_array_equal(vectors(seed=3), vectors(seed=3))
    assert not np.array_equal(vectors(seed=3), vectors(seed=4))
    np.testing.assert_array_equal(vectors(), vectors(seed=sentvec.load_model(models["skipgram"]).args["seed"]))
    with pytest.raises(ValueError, match="seed must be >= 0"):
        sentvec.load_model(models["skipgram"]).quantize(seed=-1)


@pytest.mark.parametrize("kind", ["skipgram", "cbow", "sent2vec"])
@pytest.mark.parametrize("opts", [dict(), dict(qnorm=True, cutoff=1000), dict(qout=True, dsub=4)])
def test_every_kind_quantizes_and_round_trips(models, corpus, tmp_path, kind, opts):
    original = sentvec.load_model(models[kind])
    q = sentvec.load_model(models[kind], mmap=True).quantize(**opts)
    assert q.is_quantized()
    path = tmp_path / f"{kind}.ftz"
    q.save_model(path)
    assert path.stat().st_size < models[kind].stat().st_size / 3
    for mmap in (False, True):
        back = sentvec.load_model(path, mmap=mmap)
        assert back.is_quantized()
        assert back.words == q.words
        np.testing.assert_array_equal(back.get_word_vectors(QUERIES), q.get_word_vectors(QUERIES))
        lines = _sentences(corpus)
        np.testing.assert_array_equal(back.embed_sentences(lines), q.embed_sentences(lines))
    # the quantized vectors stay close to the original ones
    kept = [w for w in q.words[:300]]
    assert _cos(q.get_word_vectors(kept), original.get_word_vectors(kept)).mean() > 0.9
    lines = _sentences(corpus)
    assert _cos(q.embed_sentences(lines), original.embed_sentences(lines)).mean() > 0.9
    if opts.get("cutoff"):
        assert len(q.words) == 1000 and q.words == original.words[:1000]


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
def test_official_fasttext_opens_quantized_word_models(models, tmp_path, kind):
    """Official fastText (0.9.x) opens a quantized skipgram/cbow .ftz (pruned index, qnorm and
    qout included) and computes the same word vectors."""
    fasttext = pytest.importorskip("fasttext")
    q = sentvec.load_model(models[kind]).quantize(qnorm=True, qout=True, cutoff=800)
    path = tmp_path / "q.ftz"
    q.save_model(path)
    theirs = fasttext.load_model(str(path))
    assert theirs.get_words() == q.get_words()
    for w in QUERIES + q.words[:200]:
        np.testing.assert_allclose(theirs.get_word_vector(w), q.get_word_vector(w), atol=1e-5, err_msg=w)


def _write_ftz(path, nwords=300, bucket=5000, dim=8, nsubq=4, seed=0):
    """A quantized skipgram .ftz written from the spec (§1), with known codes and centroids."""
    rng = np.random.default_rng(seed)
    rows = nwords + bucket
    codes = rng.integers(0, 256, size=(rows, nsubq), dtype=np.uint8)
    cent = rng.standard_normal(dim * 256).astype("<f4")
    with open(path, "wb") as f:
        f.write(struct.pack("<ii", MAGIC, 12))
        f.write(struct.pack("<12id", dim, 5, 1, 1, 5, 1, 2, 2, bucket, 3, 6, 100, 1e-4))
        f.write(struct.pack("<iiiqq", nwords, nwords, 0, nwords * 10, -1))
        f.writelines(f"w{i}".encode() + b"\0" + struct.pack("<qb", nwords - i, 0) for i in range(nwords))
        f.write(b"\1\0")  # quant_input, qnorm
        f.write(struct.pack("<qqi", rows, dim, rows * nsubq))
        f.write(codes.tobytes())
        f.write(struct.pack("<4i", dim, nsubq, dim // nsubq, dim // nsubq))
        f.write(cent.tobytes())
        f.write(b"\0")  # qout
        f.write(struct.pack("<qq", nwords, dim))
        f.write(rng.uniform(-0.1, 0.1, size=(nwords, dim)).astype("<f4").tobytes())
    d = dim // nsubq
    dense = np.concatenate([cent.reshape(nsubq, 256, d)[m][codes[:, m]] for m in range(nsubq)], axis=1)
    return path, dense


@pytest.mark.parametrize("mmap", [False, True])
def test_ftz_vectors_are_what_the_codes_define(tmp_path, mmap):
    path, dense = _write_ftz(tmp_path / "k.ftz")
    m = sentvec.load_model(path, mmap=mmap)
    for w in ["w0", "w17", "w299", "zebra", "w3x"]:
        _, ids = m.get_subwords(w)
        np.testing.assert_allclose(m.get_word_vector(w), dense[ids].mean(axis=0), rtol=1e-5, atol=1e-6)


def test_mapped_ftz_codes_are_not_copied(tmp_path):
    """Loading a .ftz with mmap=True maps its codes: anonymous memory grows by far less than
    their size (a copying load grows by at least their size)."""
    path, _ = _write_ftz(tmp_path / "big.ftz", nwords=1000, bucket=4_000_000, dim=16, nsubq=8, seed=1)
    codes = (4_001_000) * 8  # 32 MB
    script = textwrap.dedent(f"""
        import sentvec, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from helpers.procfs import proc_kb
        before = proc_kb("self", "RssAnon")
        m = sentvec.load_model({str(path)!r}, mmap={{mmap}})
        m.get_word_vector("w1xyz")
        print(proc_kb("self", "RssAnon") - before)
    """)
    grew = {}
    for mmap in (True, False):
        r = subprocess.run([sys.executable, "-c", script.replace("{mmap}", str(mmap))],
                           capture_output=True, text=True, check=True)
        grew[mmap] = int(r.stdout.split()[-1]) * 1024
    assert grew[False] >= codes * 0.9, grew
    assert grew[True] < codes / 4, grew


# ------------------------------------------------------------------------------- prune
def test_pruned_model_answers_oov_close_to_original(models, tmp_path):
    original = sentvec.load_model(models["skipgram"])
    words = original.words
    dropped = words[1500:1800]  # in the original vocabulary, not in the pruned one
    p = sentvec.load_model(models["skipgram"], mmap=True).prune(words=1000, buckets=5000)
    assert p.words == words[:1000] and not p.mapped
    assert all(w not in p.words for w in dropped)
    got, want = p.get_word_vectors(dropped), original.get_word_vectors(dropped)
    assert (np.linalg.norm(got, axis=1) > 0).all()  # every dropped word still has a vector
    rehashed = _cos(got, want).mean()
    # Against dropping the n-gram rows no kept word uses (quantize's cutoff rule): re-hashing
    # keeps an OOV vector closer to what the original model said.
    cut = sentvec.load_model(models["skipgram"])
    cut_vectors = cut.quantize(cutoff=1000, dsub=1).get_word_vectors(dropped)
    assert rehashed > 0.6, rehashed
    assert rehashed > _cos(cut_vectors, want).mean() - 0.05
    # kept words: their own row makes up for the re-hashed n-gram rows (exact: see below)
    kept = words[:200]
    assert _cos(p.get_word_vectors(kept), original.get_word_vectors(kept)).mean() > 0.8
    # round trip, and official fastText reads a pruned (not quantized) model the same way
    p.save_model(tmp_path / "p.bin")
    back = sentvec.load_model(tmp_path / "p.bin", mmap=True)
    np.testing.assert_array_equal(back.get_word_vectors(dropped), got)
    fasttext = pytest.importorskip("fasttext")
    theirs = fasttext.load_model(str(tmp_path / "p.bin"))
    for w in dropped[:50] + kept[:50]:
        np.testing.assert_allclose(theirs.get_word_vector(w), p.get_word_vector(w), atol=1e-5)


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
@pytest.mark.parametrize("buckets", [5000, 40, 0])
def test_pruned_model_keeps_kept_words_vectors(models, kind, buckets):
    """prune(words, buckets) with fewer buckets: a kept word's vector is the original's (its own
    row takes up the re-hashed n-gram rows' difference, duplicates counted: with 40 buckets most
    words hit one row twice), while an OOV word's vector is the mean of its re-hashed n-gram
    rows (zeros with buckets=0)."""
    original = sentvec.load_model(models[kind])
    words = original.words
    p = sentvec.load_model(models[kind], mmap=True).prune(words=1000, buckets=buckets)
    assert p.words == words[:1000]
    kept = p.words
    np.testing.assert_allclose(p.get_word_vectors(kept), original.get_word_vectors(kept), rtol=1e-4, atol=1e-5)
    nw = len(kept)
    x = p.get_input_matrix()
    assert x.shape[0] == nw + buckets
    if buckets == 40:  # the case the brief names: n-grams that collide within one word
        dup = [w for w in kept if len(set(p.get_subwords(w)[1])) < len(p.get_subwords(w)[1])]
        assert len(dup) > 500
        for w in dup[:50]:
            ids = p.get_subwords(w)[1]
            np.testing.assert_allclose(x[ids].mean(0), original.get_word_vector(w), rtol=1e-4, atol=1e-5)
    # the word rows changed (the test would pass trivially if only the n-gram rows moved)
    assert not np.allclose(x[:nw], original.get_input_matrix()[:nw])
    oov = ["whaleboatsz", "unknownish", "é"] + words[1500:1600]  # unknown and dropped words
    for w in oov:
        assert w not in p.words
        got = p.get_word_vector(w)
        ids = p.get_subwords(w)[1]
        if buckets == 0:
            assert len(ids) == 0 and not got.any()
            continue
        assert len(ids) > 0 and (ids >= nw).all()  # n-gram rows only
        np.testing.assert_allclose(got, x[ids].mean(0), rtol=1e-5, atol=1e-6)
        assert np.linalg.norm(got) > 0
    if buckets == 5000:
        assert _cos(p.get_word_vectors(oov), original.get_word_vectors(oov)).mean() > 0.6


def test_pruned_supervised_model_predicts_as_before(tmp_path):
    """A supervised model with char n-grams: pruning its buckets keeps every word's sum of
    subword rows, so a line of known words gets the same hidden vector and predictions."""
    lines = []
    with lzma.open(GUTENBERG, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i == 3000:
                break
            toks = line.split()
            if toks:
                lines.append(f"__label__{'long' if len(toks) > 12 else 'short'}{len(toks) % 3} {line.strip()}")
    (tmp_path / "l.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = sentvec.train_supervised(str(tmp_path / "l.txt"), dim=16, epoch=3, minCount=2, minn=2, maxn=4,
                                 bucket=20000, thread=1, seed=1, verbose=0)
    m.save_model(tmp_path / "l.bin")
    p = sentvec.load_model(tmp_path / "l.bin").prune(buckets=300)
    assert p.get_input_matrix().shape[0] == len(p.words) + 300
    known = [" ".join(w for w in ln.split()[1:] if w in set(m.words)) for ln in lines[:100]]
    known = [k for k in known if k]
    np.testing.assert_allclose(p.get_sentence_vector(known[0]), m.get_sentence_vector(known[0]), rtol=1e-4, atol=1e-5)
    lab_m, prob_m = m.predict(known, k=3)
    lab_p, prob_p = p.predict(known, k=3)
    np.testing.assert_allclose(np.asarray(prob_p), np.asarray(prob_m), rtol=1e-3, atol=1e-5)
    # the labels agree wherever the probabilities are not (near) tied
    for a, b, pr in zip(lab_m, lab_p, prob_m):
        if pr[0] - pr[1] > 1e-3:
            assert a[0] == b[0]


def _ftz_input(path):
    """The input matrix of a .ftz without pruned index or qnorm, decoded with numpy (§1), and
    its codes and centroids: (rows, codes, centroids as (nsubq, 256, dsub))."""
    data = Path(path).read_bytes()
    at = struct.calcsize("<ii") + struct.calcsize("<12id")
    dim = struct.unpack_from("<i", data, 8)[0]
    nwords, size, _, _, psize = struct.unpack_from("<iiiqq", data, at)
    assert psize == -1
    at += struct.calcsize("<iiiqq")
    for _ in range(size):
        at = data.index(b"\0", at) + 1 + struct.calcsize("<qb")
    assert data[at:at + 2] == b"\1\0"  # quantized input, no qnorm
    rows, n, codesize = struct.unpack_from("<qqi", data, at + 2)
    at += 2 + struct.calcsize("<qqi")
    assert n == dim
    codes = np.frombuffer(data, np.uint8, codesize, at).reshape(rows, -1)
    at += codesize
    pdim, nsubq, dsub, lastdsub = struct.unpack_from("<4i", data, at)
    assert (pdim, nsubq, lastdsub) == (dim, dim // dsub, dsub)
    cent = np.frombuffer(data, "<f4", dim * 256, at + 16).reshape(nsubq, 256, dsub)
    dense = np.concatenate([cent[m][codes[:, m]] for m in range(nsubq)], axis=1)
    return dense, codes, cent


def _encode(x, cent):
    """Nearest centroid of each sub-vector of the rows x."""
    nsubq, _, d = cent.shape
    sub = x.reshape(len(x), nsubq, d)
    return np.stack([((sub[:, m, None, :] - cent[m][None]) ** 2).sum(-1).argmin(1) for m in range(nsubq)], 1)


@pytest.mark.parametrize("kind", ["skipgram", "cbow"])
def test_quantized_word_rows_make_up_for_ngram_errors(models, tmp_path, kind):
    """quantize encodes each word row from what the word's vector needs given its *quantized*
    n-gram rows (the sum of its dense rows minus the decoded n-gram rows), so a word's vector
    carries only its own row's error / n. Checked on the saved codes: the word rows' codes are
    the nearest ones to that target, and the vectors are closer to the original than those
    the plain codes (the dense word row's nearest) would give."""
    original = sentvec.load_model(models[kind])
    q = sentvec.load_model(models[kind], mmap=True).quantize(dsub=4)
    q.save_model(tmp_path / "q.ftz")
    dec, codes, cent = _ftz_input(tmp_path / "q.ftz")
    x = original.get_input_matrix().astype(np.float64)
    kept = [i for i, w in enumerate(q.words) if len(q.get_subwords(w)[1]) > 1]
    ids = [q.get_subwords(q.words[i])[1] for i in kept]
    for i, r in zip(kept[:100], ids):  # the codes are those inference uses
        np.testing.assert_allclose(q.get_word_vector(q.words[i]), dec[r].mean(0), rtol=1e-4, atol=1e-6)
    target = np.stack([x[r].sum(0) - dec[r[1:]].sum(0) for r in ids])
    assert (codes[kept] == _encode(target, cent)).all(1).mean() > 0.98
    n = np.array([len(r) for r in ids])[:, None]
    want = np.stack([x[r].mean(0) for r in ids])
    plain_row = np.concatenate([cent[m][_encode(x[kept], cent)[:, m]] for m in range(cent.shape[0])], 1)
    plain = (plain_row + np.stack([dec[r[1:]].sum(0) for r in ids])) / n
    got = q.get_word_vectors([q.words[i] for i in kept]).astype(np.float64)
    err = np.linalg.norm(got - want, axis=1).mean()
    err_plain = np.linalg.norm(plain - want, axis=1).mean()
    assert err < 0.7 * err_plain, (err, err_plain)


def test_pruned_sent2vec(models, corpus):
    original = sentvec.load_model(models["sent2vec"])
    p = sentvec.load_model(models["sent2vec"], mmap=True).prune(words=1500, buckets=5000)
    lines = _sentences(corpus)
    assert _cos(p.embed_sentences(lines), original.embed_sentences(lines)).mean() > 0.8
    with pytest.raises(ValueError, match="divide"):
        sentvec.load_model(models["sent2vec"]).prune(buckets=3000)
    # no n-gram rows at all
    z = sentvec.load_model(models["sent2vec"]).prune(buckets=0)
    assert z.get_input_matrix().shape[0] == len(z.words)


def test_operations_chain_and_save_once(models, corpus, tmp_path):
    original = sentvec.load_model(models["skipgram"])
    m = (sentvec.load_model(models["skipgram"], mmap=True)
         .prune(words=1200, buckets=4000).reduce_dim(8).quantize(dsub=2, qnorm=True))
    assert m.get_dimension() == 8 and m.is_quantized()
    m.save_model(tmp_path / "c.ftz")
    back = sentvec.load_model(tmp_path / "c.ftz", mmap=True)
    np.testing.assert_array_equal(back.get_word_vectors(QUERIES), m.get_word_vectors(QUERIES))
    assert (tmp_path / "c.ftz").stat().st_size * 20 < models["skipgram"].stat().st_size
    r = sentvec.evaluate.compare(original, m, words=QUERIES)
    assert np.isnan(r.word_cosine)  # dimensions differ: no cosine, by design


def test_bad_arguments_are_clear(models):
    m = sentvec.load_model(models["skipgram"])
    with pytest.raises(ValueError, match="dsub must divide"):
        m.quantize(dsub=3)
    with pytest.raises(ValueError, match="dsub must be >= 1"):
        m.quantize(dsub=0)
    with pytest.raises(ValueError, match="cutoff must be >= 0"):
        m.quantize(cutoff=-1)
    with pytest.raises(ValueError, match=r"target_dim must be in \[1, 16\]"):
        m.reduce_dim(32)
    with pytest.raises(ValueError, match="words must be >= 1"):
        m.prune(words=0)
    with pytest.raises(ValueError, match="buckets must be >= 0"):
        m.prune(buckets=-2)
    with pytest.raises(ValueError, match="buckets must be <="):
        m.prune(buckets=10**6)
    with pytest.raises(ValueError, match="qout"):
        sentvec.load_model(models["skipgram"]).quantize(qout=True, cutoff=100)
    assert m.words == sentvec.load_model(models["skipgram"]).words  # nothing changed
    m.quantize()
    with pytest.raises(ValueError, match="quantized"):
        m.prune(words=10)
    with pytest.raises(ValueError, match="quantized"):
        m.reduce_dim(4)


def test_compare_report(models, corpus, tmp_path):
    original = sentvec.load_model(models["sent2vec"])
    q = sentvec.load_model(models["sent2vec"]).quantize(dsub=4)
    ws = tmp_path / "ws.tsv"
    ws.write_text("whale\tship\t6.0\nsea\tocean\t9\nthe\ta\t2\nking\tqueen\t8\n")
    sts = tmp_path / "sts.tsv"
    lines = _sentences(corpus, 20)
    sts.write_text("".join(f"{i % 5}.0\t{lines[i]}\t{lines[i + 1]}\n" for i in range(19)))
    r = sentvec.evaluate.compare(original, q, words=original.words[:100], sentences=lines, wordsim=ws, sts=sts)
    assert 0.9 < r.word_cosine <= 1 and 0.9 < r.sentence_cosine <= 1
    assert r.n_words == 100 and r.n_sentences == 20
    want = sentvec.evaluate.sts(q, sts).spearman - sentvec.evaluate.sts(original, sts).spearman
    assert r.sts_change == pytest.approx(want)
    assert "STS Spearman" in str(r) and "word similarity" in str(r)
    same = sentvec.evaluate.compare(original, original, sentences=lines)
    assert same.word_cosine == pytest.approx(1.0) and same.sentence_cosine == pytest.approx(1.0)
    # the CLI prints it
    original.save_model(tmp_path / "s.bin")
    r = subprocess.run([sys.executable, "-m", "sentvec", "quantize", "-output", str(tmp_path / "s"),
                        "-dsub", "4", "-eval", f"{ws},{sts}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "mean cosine" in r.stdout and "STS Spearman" in r.stdout
    assert (tmp_path / "s.ftz").exists()


# ------------------------------------------------------------------ bounded memory
LIMIT = 400 * 2**20


def test_shrinks_a_1gb_model_under_a_memory_limit(tmp_path):
    """A 1 GB model, mapped, is pruned, reduced and quantized in a child whose private memory
    (RLIMIT_DATA) is 400 MiB and whose address space (RLIMIT_AS) is what it had once mapped plus
    400 MiB: RLIMIT_AS counts the file mapping itself, so an address-space limit below the file
    size would forbid mapping it at all. A copy of the matrix is refused up front (MemoryError)."""
    dim, nwords = 64, 1000
    bucket = int(1e9 / (dim * 4)) - 2 * nwords
    path = write_bin(tmp_path / "big.bin", nwords=nwords, bucket=bucket, dim=dim, fill="sparse", seed=1)
    assert path.stat().st_size > 1e9
    script = textwrap.dedent(f"""
        import resource, sys
        import numpy as np
        import sentvec
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from helpers.procfs import proc_kb
        base = proc_kb("self", "VmData") * 1024
        assert base < {LIMIT} / 2, base
        resource.setrlimit(resource.RLIMIT_DATA, ({LIMIT}, {LIMIT}))
        m = sentvec.load_model({str(path)!r}, mmap=True)
        vm = proc_kb("self", "VmSize") * 1024
        resource.setrlimit(resource.RLIMIT_AS, (vm + {LIMIT}, vm + {LIMIT}))
        try:
            m.prune(words=500)  # would copy every bucket row: refused before anything changes
            print("NOT REFUSED")
        except MemoryError as e:
            print("refused:", e)
        m.prune(words=800, buckets=200000).reduce_dim(32).quantize(dsub=4, qnorm=True)
        m.save_model({str(tmp_path / "small.ftz")!r})
        print("peak RSS", proc_kb("self", "VmHWM"), "kB; baseline VmData", base // 1024, "kB")
    """)
    env = dict(os.environ, MALLOC_ARENA_MAX="2", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "refused:" in r.stdout and "MemoryError" not in r.stderr, r.stdout
    print(r.stdout)
    small = sentvec.load_model(tmp_path / "small.ftz", mmap=True)
    assert small.is_quantized() and small.get_dimension() == 32 and len(small.words) == 800
    assert (tmp_path / "small.ftz").stat().st_size < 20e6
    assert proc_kb("self", "VmRSS") > 0
