"""`sentvec serve` as a real service on 127.0.0.1: two worker processes share one mapping of the
model, SIGHUP after an atomic replace reloads it without losing a request, a worker killed with
SIGKILL is replaced, and the command line rejects bad arguments."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import sentvec
from sentvec._jobs import mapping_kb
from serve_models import proc_kb, write_bin

pytest.importorskip("starlette", reason="the serve extra (starlette) is not installed")
pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")
pytest.importorskip("prometheus_client", reason="the serve extra (prometheus_client) is not installed")
import http.client  # noqa: E402

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"),
                                reason="needs Linux /proc/<pid>/smaps (kernel >= 4.14)")

NWORDS, BUCKET, DIM = 20000, 2000, 128  # input matrix 11 MB: sharing shows well above noise


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m sentvec serve`` in a subprocess on 127.0.0.1, stopped by ``stop()``."""

    def __init__(self, models: list[str], workers: int = 2, extra: list[str] | None = None):
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        cmd = [sys.executable, "-m", "sentvec", "serve", *models, "--port", str(self.port),
               "--workers", str(workers), "--threads", "2", *(extra or [])]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wait_ready()

    def wait_ready(self, seconds: float = 120.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if self.request("GET", "/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server not ready in time")

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=None, conn=None):
        c = conn or self.connect()
        try:
            data = json.dumps(body).encode() if body is not None else None
            c.request(method, path, body=data, headers={"Content-Type": "application/json"})
            r = c.getresponse()
            payload = r.read()
            return r.status, json.loads(payload) if r.getheader("content-type", "").startswith(
                "application/json") else payload.decode(), int(r.getheader("x-sentvec-worker", "0"))
        finally:
            if conn is None:
                c.close()

    def worker_pids(self) -> set[int]:
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            return {int(p) for p in f.read().split()}  # the workers (and multiprocessing's tracker, if any)

    def connections_per_worker(self, n: int, tries: int = 200) -> dict[int, http.client.HTTPConnection]:
        """A keep-alive connection to each of ``n`` workers (the kernel picks the worker)."""
        out: dict[int, http.client.HTTPConnection] = {}
        for _ in range(tries):
            c = self.connect()
            _, _, pid = self.request("GET", "/health", conn=c)
            if pid in out:
                c.close()
            else:
                out[pid] = c
            if len(out) == n:
                return out
        raise AssertionError(f"reached {len(out)} of {n} workers in {tries} connections")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


@pytest.fixture(scope="module")
def big_model(tmp_path_factory):
    return write_bin(tmp_path_factory.mktemp("serve-http") / "big.bin", nwords=NWORDS, bucket=BUCKET, dim=DIM)


@pytest.fixture(scope="module")
def sup_model(tiny_labelled, tmp_path_factory):
    p = tmp_path_factory.mktemp("serve-http-sup") / "sup.bin"
    sentvec.train_supervised(str(tiny_labelled), dim=10, epoch=3, wordNgrams=2, bucket=3000, minn=2, maxn=4,
                             thread=1, verbose=0, seed=3).save_model(p)
    return p


@pytest.fixture(scope="module")
def server(big_model, sup_model):
    s = Server([f"big={big_model}", str(sup_model)], workers=2)
    yield s
    s.stop()


def test_answers_equal_the_api(server, sup_model):
    m = sentvec.load_model(sup_model, mmap=True)
    texts = ["bread cheese oven", "ball goal team coach", "guitar drum song"]
    status, body, _ = server.request("POST", "/v1/models/sup/predict", {"texts": texts, "k": 2})
    assert status == 200
    labels, probs = m.predict(texts, k=2)
    assert [p["labels"] for p in body["predictions"]] == labels
    np.testing.assert_array_equal(np.float32([p["probabilities"] for p in body["predictions"]]), np.array(probs))
    status, body, _ = server.request("POST", "/v1/models/sup/sentence-vectors", {"texts": texts})
    np.testing.assert_array_equal(np.float32(body["vectors"]), m.embed_sentences(texts))
    status, body, _ = server.request("POST", "/v1/models/big/predict", {"text": "w1"})
    assert status == 400 and "supervised" in body["error"]["message"]
    status, body, _ = server.request("POST", "/v1/models/nope/word-vectors", {"word": "w1"})
    assert status == 404
    status, text, _ = server.request("GET", "/metrics")
    assert status == 200 and 'sentvec_requests_total{endpoint="predict",status="200"}' in text


def test_workers_share_one_mapping(server, big_model):
    big = sentvec.load_model(big_model, mmap=True)
    words = big.get_words()
    conns = server.connections_per_worker(2)
    for pid, c in conns.items():  # every worker touches every word row and its n-gram rows
        for i in range(0, len(words), 1000):
            status, body, got = server.request("POST", "/v1/models/big/word-vectors", {"words": words[i:i + 1000]}, c)
            assert status == 200 and got == pid
            if i == 0:
                np.testing.assert_array_equal(np.float32(body["vectors"]), big.get_word_vectors(words[:1000]))
    figures = {pid: mapping_kb(str(big_model), pid) for pid in conns}
    rollup = {pid: (proc_kb(pid, "Rss", "smaps_rollup"), proc_kb(pid, "Pss", "smaps_rollup")) for pid in conns}
    for c in conns.values():
        c.close()
    touched = (NWORDS + BUCKET) * DIM * 4 // 1024  # kB of the input matrix
    rss = [r for r, _ in figures.values()]
    pss = sum(p for _, p in figures.values())
    assert min(rss) > 0.8 * touched, figures  # each worker has the matrix resident...
    assert pss < 1.25 * max(rss), figures  # ...but together they hold about one copy
    assert sum(rss) > 1.8 * touched, figures
    # The whole processes (smaps_rollup): the matrix counts once in the summed Pss, twice in Rss.
    assert sum(p for _, p in rollup.values()) < sum(r for r, _ in rollup.values()) - 0.8 * touched, rollup


def _hammer(server, stop: threading.Event, results: list, errors: list):
    c = server.connect()
    while not stop.is_set():
        try:
            status, body, _ = server.request("POST", "/v1/models/sup/predict", {"text": "bread cheese", "k": 1}, c)
            results.append((status, body.get("labels") if isinstance(body, dict) else body))
        except (OSError, http.client.HTTPException) as e:  # a lost request
            errors.append(repr(e))
            c.close()
            c = server.connect()
    c.close()


def test_sighup_after_atomic_replace_reloads_without_losing_requests(server, sup_model, tiny_labelled, tmp_path):
    other = sentvec.train_supervised(str(tiny_labelled), dim=10, epoch=1, thread=1, verbose=0, seed=9, label="__label__")
    new_path = tmp_path / "new.bin"
    other.save_model(new_path)
    backup = tmp_path / "old.bin"
    backup.write_bytes(sup_model.read_bytes())
    stop, results, errors = threading.Event(), [], []
    threads = [threading.Thread(target=_hammer, args=(server, stop, results, errors)) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        while len(results) < 30:
            time.sleep(0.01)
        os.replace(new_path, sup_model)  # atomic: readers see the old or the new file
        server.proc.send_signal(signal.SIGHUP)
        conns = server.connections_per_worker(2)
        for _ in range(600):  # bounded: until both workers have put the new model in
            gens = [server.request("GET", "/v1/models", conn=c)[1]["models"] for c in conns.values()]
            if all(next(m for m in g if m["name"] == "sup")["generation"] >= 2 for g in gens):
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"not reloaded: {gens}")
        n = len(results)
        while len(results) < n + 30:
            time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        os.replace(backup, sup_model)
        server.proc.send_signal(signal.SIGHUP)
    assert errors == []
    assert {s for s, _ in results} == {200}
    want = other.predict("bread cheese", k=1)[0]
    for c in conns.values():
        status, body, _ = server.request("POST", "/v1/models/sup/predict", {"text": "bread cheese", "k": 1}, c)
        assert status == 200 and tuple(body["labels"]) == want
        c.close()


def test_a_killed_worker_is_replaced(server):
    before = server.worker_pids()
    conns = server.connections_per_worker(2)
    victim = next(iter(conns))
    for c in conns.values():
        c.close()
    os.kill(victim, signal.SIGKILL)
    answered = 0
    new_pids: set[int] = set()
    for _ in range(600):  # bounded: the supervisor checks every 0.5 s and the new worker maps the model
        try:
            status, _, pid = server.request("POST", "/v1/models/sup/predict", {"text": "bread"})
        except OSError:
            time.sleep(0.05)
            continue
        answered += status == 200
        if pid not in conns:
            new_pids.add(pid)
        if new_pids and answered >= 5:
            break
        time.sleep(0.05)
    assert answered >= 5 and new_pids, (answered, new_pids)
    assert victim not in server.worker_pids() and server.worker_pids() - before
    server.wait_ready()


def run_cli(*args, timeout=60):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "sentvec", "serve", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_cli_rejects_bad_arguments(tmp_path, sup_model):
    r = run_cli()
    assert r.returncode == 2 and "needs <model...>" in r.stderr
    r = run_cli(str(tmp_path / "missing.bin"))
    assert r.returncode == 1 and "missing.bin" in r.stderr
    r = run_cli(str(sup_model), "--port", "70000")
    assert r.returncode == 2 and "--port must be in [0, 65535]" in r.stderr
    r = run_cli(str(sup_model), f"a={sup_model}", f"a={sup_model}")
    assert r.returncode == 2 and "given twice" in r.stderr
    r = run_cli(str(sup_model), "--bogus", "1")
    assert r.returncode == 2 and "unknown option --bogus" in r.stderr
