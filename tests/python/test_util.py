"""``sentvec.util`` against the official ``fasttext.util`` (reduce_model, find_nearest_neighbor,
test) on models trained here, and ``download_model`` against a local HTTP server on 127.0.0.1
(no test touches any other address)."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import sentvec
import sentvec.util as util
from conftest import REPO, official_train

fasttext = pytest.importorskip("fasttext", reason="the official fasttext package is the oracle")
official_util = pytest.importorskip("fasttext.util")


@pytest.fixture(scope="module")
def sg_file(tiny_corpus, tmp_path_factory):
    d = tmp_path_factory.mktemp("util-sg")
    return official_train(d / "sg.bin", False, tiny_corpus, model="skipgram", loss="ns", dim=12,
                          epoch=1, minCount=2, bucket=5000, thread=1, verbose=0)  # as test_oracle


@pytest.fixture(scope="module")
def sup_file(tiny_labelled, tmp_path_factory):
    d = tmp_path_factory.mktemp("util-sup")
    return official_train(d / "sup.bin", True, tiny_labelled, dim=10, epoch=3, wordNgrams=2,
                          bucket=2000, thread=1, verbose=0)


# ------------------------------------------------------------------------------ reduce_model
def _match_columns(full: np.ndarray, theirs: np.ndarray) -> tuple[list[int], np.ndarray]:
    """For each official column, the column of our full rotation it equals up to sign."""
    cos = (full / np.linalg.norm(full, axis=0)).T @ (theirs / np.linalg.norm(theirs, axis=0))
    cols = [int(np.argmax(np.abs(cos[:, j]))) for j in range(theirs.shape[1])]
    return cols, np.sign(cos[cols, np.arange(theirs.shape[1])])


@pytest.mark.parametrize("mmap", [False, True])
def test_reduce_model_matches_official_up_to_sign(sg_file, mmap):
    theirs = fasttext.load_model(str(sg_file))
    official_util.reduce_model(theirs, 3)
    ours = sentvec.load_model(sg_file, mmap=mmap)
    assert util.reduce_model(ours, 3) is ours
    assert ours.get_dimension() == theirs.get_dimension() == 3 and not ours.mapped
    # Our full rotation (every principal direction, by decreasing variance) ...
    full = util.reduce_model(sentvec.load_model(sg_file, mmap=mmap), 12)
    a_full = full.get_input_matrix()
    assert np.all(np.diff(a_full.var(axis=0)) < 0)
    np.testing.assert_allclose(ours.get_input_matrix(), a_full[:, :3], atol=1e-6)
    # ... holds each of official's columns up to sign. Official keeps numpy.linalg.eig's order,
    # which is not sorted: its 3 columns need not be the top 3 directions (ours are).
    b = np.array(theirs.get_input_matrix())
    cols, signs = _match_columns(a_full, b)
    assert len(set(cols)) == 3
    scale = np.abs(a_full).max()
    np.testing.assert_allclose(a_full[:, cols] * signs, b, atol=2e-3 * scale)
    out_full, out_b = full.get_output_matrix(), np.array(theirs.get_output_matrix())
    np.testing.assert_allclose(out_full[:, cols] * signs, out_b, atol=2e-3 * np.abs(out_b).max())
    for w in ["the", "café", "пример", "unknownword", "日本"]:
        np.testing.assert_allclose(full.get_word_vector(w)[cols] * signs, theirs.get_word_vector(w),
                                   atol=2e-3 * scale)
    if sorted(cols) == [0, 1, 2]:  # official happened to pick the top 3: then ours equals it
        np.testing.assert_allclose(np.abs(ours.get_input_matrix()[:, cols]), np.abs(b), atol=2e-3 * scale)


def test_reduce_model_streams_blocks_and_keeps_predictions(sup_file):
    theirs = fasttext.load_model(str(sup_file))
    ours = sentvec.load_model(sup_file, mmap=True)
    util.reduce_model(ours, 10, block_rows=7)  # a full rotation, read in blocks of 7 rows
    whole = util.reduce_model(sentvec.load_model(sup_file), 10)
    np.testing.assert_allclose(ours.get_input_matrix(), whole.get_input_matrix(), atol=1e-5)
    # A rotation applied to both matrices keeps every score output . hidden.
    for line in ["bread cheese oven", "ball goal team", "song guitar", "the a is", ""]:
        want = {lab: p for p, lab in theirs.f.predict(line + "\n", -1, 0.0, "strict")}
        labels, probs = ours.predict(line, k=-1)
        for lab, p in zip(labels, probs):
            assert abs(p - want[lab]) < 1e-4, (line, lab)
    small = util.reduce_model(sentvec.load_model(sup_file), 4)
    np.testing.assert_allclose(small.get_input_matrix(), whole.get_input_matrix()[:, :4], atol=1e-5)


def test_reduce_model_does_not_copy_a_mapped_matrix(sg_file):
    import tracemalloc

    m = sentvec.load_model(sg_file, mmap=True)
    rows, cols = m.get_input_matrix().shape
    full = rows * cols * 4
    tracemalloc.start()
    try:
        util.reduce_model(m, 3, block_rows=256)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # numpy allocations are traced: blocks of 256 rows, the 12 x 12 covariance and the two
    # reduced matrices (3 of 12 columns), never a copy of the mapped input matrix.
    assert peak < 0.5 * full, (peak, full)
    assert m.get_dimension() == 3 and not m.mapped


def test_reduce_model_errors(sup_file):
    m = sentvec.load_model(sup_file)
    for bad in (0, 11, -1):
        with pytest.raises(ValueError, match="target_dim"):
            util.reduce_model(m, bad)
    with pytest.raises(TypeError):
        util.reduce_model(m, 2.5)
    from conftest import TESTDATA

    with pytest.raises(ValueError, match="quantized"):
        util.reduce_model(sentvec.load_model(TESTDATA / "golden" / "ft-supervised.ftz"), 2)


# ------------------------------------------------------------------------------ small helpers
def test_find_nearest_neighbor_as_official():
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((200, 16)).astype(np.float32)
    for trial in range(20):
        q = rng.standard_normal(16).astype(np.float32)
        ban = set(int(i) for i in rng.integers(0, 200, size=trial * 3))
        want = official_util.find_nearest_neighbor(q, vectors, ban)
        buf = np.zeros(200, dtype=np.float32)
        assert util.find_nearest_neighbor(q, vectors, ban) == want
        assert util.find_nearest_neighbor(q, vectors, ban, cossims=buf) == want
        np.testing.assert_allclose(buf, vectors @ q, rtol=1e-6)
    with pytest.raises(ValueError, match="ban_set"):
        util.find_nearest_neighbor(vectors[0], vectors[:3], {0, 1, 2})
    with pytest.raises(ValueError, match="shape"):
        util.find_nearest_neighbor(vectors[0][:3], vectors, set())


def test_util_test_as_official():
    rng = np.random.default_rng(4)
    labels = [[f"L{int(i)}" for i in rng.integers(0, 5, size=int(rng.integers(1, 3)))] for _ in range(100)]
    for k in (1, 2, 3):
        preds = [[f"L{int(i)}" for i in rng.integers(0, 5, size=k)] for _ in range(100)]
        assert util.test(preds, labels, k) == official_util.test(preds, labels, k)
    with pytest.raises(ValueError, match="no example"):
        util.test([], [], 1)
    p, r = util.test([["a"]], [[]])
    assert p == 0.0 and r != r  # no gold label: NaN recall, where the official divides by zero


# ------------------------------------------------------------------------------ download_model
class _Files:
    """What the local server serves, and what it was asked."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.drop_after: dict[str, list[int]] = {}  # per file: cut points for the next responses
        self.chunk_delay = 0.0
        self.requests: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        st: _Files = self.server.state  # type: ignore[attr-defined]
        name = self.path.rsplit("/", 1)[-1]
        rng = self.headers.get("Range")
        with st.lock:
            st.requests.append((name, rng))
            cuts = st.drop_after.get(name)
            cut = cuts.pop(0) if cuts else None
        data = st.files.get(name)
        if data is None:
            self.send_error(404)
            return
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        if start >= len(data) and rng:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(206 if rng else 200)
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        body = data[start:] if cut is None else data[start:cut]
        for i in range(0, len(body), 4096):
            self.wfile.write(body[i:i + 4096])
            if st.chunk_delay:
                time.sleep(st.chunk_delay)
        self.wfile.flush()
        if cut is not None:  # drop the connection mid-file
            self.close_connection = True
            self.connection.shutdown(2)


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.state = _Files()  # type: ignore[attr-defined]
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd.state, f"http://127.0.0.1:{httpd.server_address[1]}/fasttext/vectors-crawl"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def served_model(tiny_corpus, tmp_path_factory):
    d = tmp_path_factory.mktemp("served")
    m = sentvec.train_unsupervised(tiny_corpus, dim=8, epoch=1, minCount=3, bucket=2000, thread=1,
                                   verbose=0, seed=3)
    m.save_model(d / "m.bin")
    raw = (d / "m.bin").read_bytes()
    return raw, gzip.compress(raw, mtime=0)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".part", ".tmp") or ".tmp" in p.name)


def test_download_names_and_if_exists(server, served_model, tmp_path, monkeypatch):
    st, base = server
    raw, gz = served_model
    st.files["cc.en.300.bin.gz"] = gz
    monkeypatch.chdir(tmp_path)
    assert util.download_model("en", base_url=base, progress=False) == "cc.en.300.bin"
    assert (tmp_path / "cc.en.300.bin").read_bytes() == raw
    assert (tmp_path / "cc.en.300.bin.gz").read_bytes() == gz  # kept, as the official function
    assert sentvec.load_model("cc.en.300.bin").get_dimension() == 8
    n = len(st.requests)
    assert util.download_model("en", base_url=base, progress=False) is None  # strict
    assert util.download_model("en", if_exists="ignore", base_url=base, progress=False) == "cc.en.300.bin"
    assert len(st.requests) == n
    assert util.download_model("en", if_exists="overwrite", base_url=base, progress=False) == "cc.en.300.bin"
    assert len(st.requests) == n + 1 and (tmp_path / "cc.en.300.bin").read_bytes() == raw
    assert _leftovers(tmp_path) == []
    with pytest.raises(ValueError, match="lang"):
        util.download_model("xx-not-a-language", base_url=base)
    with pytest.raises(ValueError, match="if_exists"):
        util.download_model("en", if_exists="sometimes", base_url=base)


def test_download_base_url_from_environment_and_progress(server, served_model, tmp_path, monkeypatch, capsys):
    st, base = server
    st.files["cc.fr.300.bin.gz"] = served_model[1]
    monkeypatch.setenv("SENTVEC_DOWNLOAD_URL", base)
    path = util.download_model("fr", directory=tmp_path)
    assert path == str(tmp_path / "cc.fr.300.bin") and os.path.isfile(path)
    err = capsys.readouterr().err
    assert f"{base}/cc.fr.300.bin.gz" in err and "(100.00%) [" in err
    assert st.requests == [("cc.fr.300.bin.gz", None)]


def test_download_resumes_after_a_dropped_connection(server, served_model, tmp_path):
    st, base = server
    raw, gz = served_model
    st.files["cc.de.300.bin.gz"] = gz
    cut = len(gz) // 3
    st.drop_after["cc.de.300.bin.gz"] = [cut]
    path = util.download_model("de", base_url=base, directory=tmp_path, progress=False)
    assert open(path, "rb").read() == raw
    assert st.requests == [("cc.de.300.bin.gz", None), ("cc.de.300.bin.gz", f"bytes={cut}-")]
    assert _leftovers(tmp_path) == []


def test_download_failure_keeps_the_part_and_the_next_call_resumes(server, served_model, tmp_path):
    st, base = server
    raw, gz = served_model
    st.files["cc.it.300.bin.gz"] = gz
    st.drop_after["cc.it.300.bin.gz"] = [len(gz) // 4, len(gz) // 2]
    with pytest.raises(util.DownloadError, match="resumes"):
        util.download_model("it", base_url=base, directory=tmp_path, progress=False, retries=1)
    assert not (tmp_path / "cc.it.300.bin").exists() and not (tmp_path / "cc.it.300.bin.gz").exists()
    assert (tmp_path / "cc.it.300.bin.gz.part").stat().st_size == len(gz) // 2
    path = util.download_model("it", base_url=base, directory=tmp_path, progress=False)
    assert open(path, "rb").read() == raw
    assert st.requests[-1] == ("cc.it.300.bin.gz", f"bytes={len(gz) // 2}-")
    assert _leftovers(tmp_path) == []


def test_download_checks_size_and_checksum(server, served_model, tmp_path):
    st, base = server
    raw, gz = served_model
    st.files["cc.es.300.bin.gz"] = gz
    with pytest.raises(util.DownloadError, match="SHA-256"):
        util.download_model("es", base_url=base, directory=tmp_path, progress=False, sha256="0" * 64)
    assert _leftovers(tmp_path) == []
    assert not (tmp_path / "cc.es.300.bin").exists()
    good = hashlib.sha256(gz).hexdigest()
    # A stale .part longer than the file: the size check rejects it and removes it.
    (tmp_path / "cc.es.300.bin.gz.part").write_bytes(gz + b"junk")
    with pytest.raises(util.DownloadError, match="announced"):
        util.download_model("es", base_url=base, directory=tmp_path, progress=False)
    assert _leftovers(tmp_path) == []
    path = util.download_model("es", base_url=base, directory=tmp_path, progress=False, sha256=good)
    assert open(path, "rb").read() == raw
    with pytest.raises(util.DownloadError, match="404"):
        util.download_model("pt", base_url=base, directory=tmp_path, progress=False)


def test_download_reduces_to_a_dimension(server, served_model, tmp_path):
    st, base = server
    st.files["cc.nl.300.bin.gz"] = served_model[1]
    path = util.download_model("nl", dimension=3, base_url=base, directory=tmp_path, progress=False)
    assert path == str(tmp_path / "cc.nl.3.bin")
    assert sentvec.load_model(path).get_dimension() == 3
    assert sentvec.load_model(tmp_path / "cc.nl.300.bin").get_dimension() == 8


def test_concurrent_downloads_never_leave_a_broken_file(server, served_model, tmp_path):
    st, base = server
    raw, gz = served_model
    st.files["cc.sv.300.bin.gz"] = gz
    st.chunk_delay = 0.05  # about a second: the two downloads overlap
    # Each process says it is ready, then waits for "go": both downloads start together.
    code = ("import sentvec.util as u, sys, os, time\n"
            "open(sys.argv[3], 'w').close()\n"
            "t = time.time()\n"
            "while not os.path.exists(sys.argv[4]) and time.time() - t < 120: time.sleep(0.005)\n"
            "print(u.download_model('sv', base_url=sys.argv[1], directory=sys.argv[2], progress=False))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), no_proxy="127.0.0.1")
    for var in ("http_proxy", "HTTP_PROXY"):
        env.pop(var, None)
    sync = tmp_path.parent / f"{tmp_path.name}-sync"
    sync.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", code, base, str(tmp_path), str(sync / f"ready{i}"),
                               str(sync / "go")], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    while not all((sync / f"ready{i}").exists() for i in range(2)) and all(p.poll() is None for p in procs):
        time.sleep(0.01)
    (sync / "go").touch()
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.strip() == str(tmp_path / "cc.sv.300.bin")
    assert (tmp_path / "cc.sv.300.bin").read_bytes() == raw
    assert [r for r in st.requests if r[0] == "cc.sv.300.bin.gz"] == [("cc.sv.300.bin.gz", None)]
    assert _leftovers(tmp_path) == []
