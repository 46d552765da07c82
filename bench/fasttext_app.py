"""The baseline for bench_http.py: the same JSON endpoints (predict, sentence-vectors) on the same
stack (Starlette in uvicorn workers), over the official ``fasttext`` package. Each worker loads
its own copy of the model, which is what official fastText can do.

    FASTTEXT_MODEL=m.bin python bench/fasttext_app.py PORT WORKERS

It runs under the same supervisor as ``sentvec serve`` (uvicorn's, with TCP_NODELAY on the
listening socket), so the two differ only in the model library.
"""

from __future__ import annotations

import json
import os

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def create_app() -> Starlette:
    import fasttext

    model = fasttext.load_model(os.environ["FASTTEXT_MODEL"])
    limiter = anyio.CapacityLimiter(int(os.environ.get("FASTTEXT_THREADS", "2")))

    def predict(body):
        texts = body["texts"] if "texts" in body else [body["text"]]
        labels, probs = model.predict(texts, k=int(body.get("k", 1)))  # the list form (numpy 2 safe)
        out = [{"labels": list(ls), "probabilities": [float(p) for p in ps]} for ls, ps in zip(labels, probs)]
        return {"predictions": out} if "texts" in body else out[0]

    def vectors(body):
        texts = body["texts"] if "texts" in body else [body["text"]]
        vecs = [model.get_sentence_vector(t).tolist() for t in texts]
        return {"vectors": vecs} if "texts" in body else {"vector": vecs[0]}

    ops = {"predict": predict, "sentence-vectors": vectors}

    async def op(request: Request):
        body = json.loads(await request.body())
        fn = ops[request.path_params["op"]]
        return JSONResponse(await anyio.to_thread.run_sync(fn, body, limiter=limiter))

    async def ready(request: Request):
        return JSONResponse({"ready": True, "pid": os.getpid()})

    return Starlette(routes=[Route("/ready", ready), Route("/v1/models/{name}/{op}", op, methods=["POST"])])


if __name__ == "__main__":
    import sys

    import uvicorn
    from sentvec.serve.supervisor import Supervisor, bind_socket

    cfg = uvicorn.Config("fasttext_app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]),
                         workers=int(sys.argv[2]), log_level="warning")
    Supervisor(cfg, sockets=[bind_socket(cfg)]).run()
