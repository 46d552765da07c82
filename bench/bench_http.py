"""HTTP load test of ``sentvec serve`` against the same endpoints over official fastText.

    python bench/bench_http.py [--requests 2000] [--concurrency 1,4,16] [--workers 2] [--plot out.png]

Trains a supervised sentvec model (a large bucket, so that a copy per worker shows) and saves it
as a fastText .bin that both servers load. Starts, on 127.0.0.1 only:
``sentvec serve`` (N workers, each mapping the file) and ``bench/fasttext_app.py`` (the same
Starlette + uvicorn stack, N workers each loading a copy with ``fasttext.load_model``). For each
endpoint and concurrency a small asyncio HTTP/1.1 client (keep-alive connections) sends a fixed
number of requests and records each latency. Prints requests/sec, p50 and p99 latency, and the
memory (RSS, Pss) of each worker; plots latency against concurrency. Not run by pytest; run one
benchmark at a time machine-wide (``flock /work/bench.lock python bench/bench_http.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "python"))
from serve_models import proc_kb  # noqa: E402

TOPICS = {
    "food": "bread cheese bake oven sugar flour soup salt",
    "sport": "ball goal team run match score coach field",
    "music": "song guitar drum band sing note piano tune",
}


def corpus(path: Path, n: int, seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    common = "the a is and with my for of to in".split()
    texts = []
    with open(path, "w") as f:
        for _ in range(n):
            t = list(TOPICS)[int(rng.integers(0, 3))]
            words = [rng.choice(TOPICS[t].split()) if rng.random() < 0.5 else rng.choice(common) for _ in range(12)]
            words += [f"w{int(rng.integers(0, 5000))}" for _ in range(4)]
            texts.append(" ".join(words))
            f.write(f"__label__{t} {texts[-1]}\n")
    return texts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def one(reader, writer, path: str, body: bytes) -> float:
    t = time.perf_counter()
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    await reader.readexactly(length)
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}")
    return time.perf_counter() - t


async def load(port: int, path: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    """Send every body once over ``concurrency`` keep-alive connections: (seconds, latencies)."""
    queue = list(reversed(bodies))
    lat: list[float] = []

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                lat.append(await one(reader, writer, path, queue.pop()))
        finally:
            writer.close()

    t = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - t, lat


def start(kind: str, model: Path, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    if kind == "sentvec":
        cmd = [sys.executable, "-m", "sentvec", "serve", f"m={model}", "--port", str(port), "--workers", str(workers),
               "--threads", "2", "--max-batch", "100000", "--max-body", str(64 << 20)]
    else:
        env.update(FASTTEXT_MODEL=str(model), PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]))
        cmd = [sys.executable, str(HERE / "fasttext_app.py"), str(port), str(workers)]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise RuntimeError(f"{kind} server exited: {p.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return p
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{kind} server not ready")


def worker_memory(p: subprocess.Popen) -> list[tuple[int, int]]:
    """(RSS kB, Pss kB) of each worker: the supervisor's children but multiprocessing's tracker."""
    with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
        kids = [int(x) for x in f.read().split()]
    out = []
    for pid in kids:
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
        if b"resource_tracker" in cmdline:
            continue
        out.append((proc_kb(pid, "Rss", "smaps_rollup"), proc_kb(pid, "Pss", "smaps_rollup")))
    return out


def stop(p: subprocess.Popen) -> None:
    p.terminate()
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=2000, help="requests per endpoint and concurrency")
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bucket", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=32, help="texts per request for the batch endpoint")
    ap.add_argument("--plot", default=str(HERE / "http_latency.png"))
    a = ap.parse_args()
    import sentvec

    levels = [int(c) for c in a.concurrency.split(",")]
    with tempfile.TemporaryDirectory(prefix="sentvec-bench-http-") as d:
        texts = corpus(Path(d) / "train.txt", 20000)
        model = Path(d) / "sup.bin"
        sentvec.train_supervised(str(Path(d) / "train.txt"), dim=50, epoch=2, wordNgrams=2, bucket=a.bucket,
                                 thread=2, verbose=0, seed=1).save_model(model)
        size_mb = model.stat().st_size / 2**20
        rng = np.random.default_rng(2)
        single = [json.dumps({"text": texts[int(i)]}).encode() for i in rng.integers(0, len(texts), a.requests)]
        batch = [json.dumps({"texts": [texts[int(i)] for i in rng.integers(0, len(texts), a.batch)]}).encode()
                 for _ in range(max(1, a.requests // 4))]
        cases = [("predict 1 text", "/v1/models/m/predict", single),
                 (f"predict {a.batch} texts", "/v1/models/m/predict", batch),
                 ("sentence-vectors 1 text", "/v1/models/m/sentence-vectors", single)]
        rows, mem = [], {}
        for kind in ("sentvec", "fasttext"):
            port = free_port()
            p = start(kind, model, port, a.workers)
            try:
                for label, path, bodies in cases:
                    asyncio.run(load(port, path, bodies[:50], 4))  # warm up every worker
                    for c in levels:
                        secs, lat = asyncio.run(load(port, path, bodies, c))
                        ms = np.array(lat) * 1000
                        rows.append((kind, label, c, len(bodies) / secs, np.percentile(ms, 50), np.percentile(ms, 99)))
                mem[kind] = worker_memory(p)
            finally:
                stop(p)
    report(rows, mem, size_mb, a)


def report(rows, mem, size_mb, a) -> None:
    print(f"model: {size_mb:.0f} MiB .bin; {a.workers} workers each; {a.requests} requests per case; 127.0.0.1")
    print(f"{'server':<9} {'endpoint':<26} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  req/s vs official")
    base = {(r[1], r[2]): r[3] for r in rows if r[0] == "fasttext"}
    for kind, label, c, rps, p50, p99 in rows:
        ratio = f"{rps / base[(label, c)]:.2f}x" if kind == "sentvec" and (label, c) in base else ""
        print(f"{kind:<9} {label:<26} {c:>4} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f}  {ratio}")
    for kind, figures in mem.items():
        rss = ", ".join(f"{r / 1024:.0f}" for r, _ in figures)
        pss = sum(p for _, p in figures) / 1024
        print(f"{kind}: worker RSS MiB [{rss}], summed Pss {pss:.0f} MiB")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    for kind in ("sentvec", "fasttext"):
        for label in sorted({r[1] for r in rows}):
            pts = [(r[2], r[4], r[5]) for r in rows if r[0] == kind and r[1] == label]
            if pts:
                cs, p50, p99 = zip(*pts)
                line, = ax.plot(cs, p50, marker="o", label=f"{kind} {label} p50")
                ax.plot(cs, p99, marker="x", linestyle="--", color=line.get_color(), label=f"{kind} {label} p99")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("concurrent connections")
    ax.set_ylabel("latency (ms)")
    ax.set_title("sentvec serve vs official fastText on the same stack")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(a.plot, dpi=120)
    print(f"plot: {a.plot}")


if __name__ == "__main__":
    main()
