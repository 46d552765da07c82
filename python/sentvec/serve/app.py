"""The ASGI application (Starlette): JSON endpoints over the models of one worker process.

Endpoints: ``POST /v1/models/{name}/{predict|sentence-vectors|word-vectors|neighbors}``,
``POST /v1/batch`` (several of those in one request), ``GET /v1/models``, ``GET /health``
(the process answers), ``GET /ready`` (every model loaded: 200, else 503), ``GET /metrics``
(Prometheus text) and ``POST /admin/reload`` (with ``--admin-token``). Errors are JSON
``{"error": {"status": ..., "message": ...}}``: 400 bad input, 404 unknown model or route,
413 body or batch too large, 503 model loading, 504 timed out, 500 with no detail (the
traceback goes to the server's log only).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import signal
import time
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import metrics
from .config import ServeConfig
from .ops import OPS, ApiError, batch_size
from .registry import NotLoaded, Registry

log = logging.getLogger("sentvec.serve")


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


async def read_json(request: Request, max_body: int) -> Any:
    """The body as JSON, refusing (413) more than ``max_body`` bytes before reading them all."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > max_body):
        raise ApiError(413, f"request body over {max_body} bytes") if length.isdigit() \
            else ApiError(400, "bad Content-Length")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            raise ApiError(413, f"request body over {max_body} bytes")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ApiError(400, f"the body is not JSON: {e}") from None


class Service:
    """The worker's state and handlers; ``build_app`` wires them into Starlette."""

    def __init__(self, config: ServeConfig, loader=None):
        from .. import load_model

        self.config = config
        self.loader = loader or (lambda path: load_model(path, mmap=config.mmap))
        self.registry = Registry(config.models, self.loader,
                                 lambda name, ok: metrics.RELOADS.labels(name, "ok" if ok else "failed").inc())
        self.limiter = anyio.CapacityLimiter(max(1, config.threads))

    async def compute(self, endpoint: str, fn, *args) -> Any:
        """Run ``fn`` on a worker thread (the C++ calls release the GIL), bounded by the timeout."""
        try:
            with anyio.fail_after(self.config.timeout):
                return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter, abandon_on_cancel=True)
        except TimeoutError:
            metrics.TIMEOUTS.labels(endpoint).inc()
            raise ApiError(504, f"the request took more than {self.config.timeout:g} s") from None

    def model(self, name: str):
        try:
            return self.registry.get(name)
        except KeyError:
            raise ApiError(404, f"unknown model {name!r}; served: {', '.join(self.registry.slots)}") from None
        except NotLoaded as e:
            raise ApiError(503, str(e)) from None

    def run_op(self, name: str, op: str, body: Any) -> dict[str, Any]:
        if op not in OPS:
            raise ApiError(404, f"unknown operation {op!r}; one of {', '.join(OPS)}")
        model = self.model(name)  # taken once: a reload meanwhile does not change it
        try:
            out = OPS[op](model, body, self.config.max_batch)
        except (ValueError, TypeError) as e:  # the library's messages name the bad argument
            raise ApiError(400, str(e)) from None
        metrics.ITEMS.labels(op, name).inc(batch_size(op, body))
        return {"model": name, **out}

    def run_batch(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or set(body) != {"requests"} or not isinstance(body["requests"], list):
            raise ApiError(400, 'the body must be {"requests": [{"model": ..., "op": ..., ...}, ...]}')
        subs = body["requests"]
        total = sum(batch_size(s.get("op", ""), s) if isinstance(s, dict) else 1 for s in subs)
        if total > self.config.max_batch:
            raise ApiError(413, f"the batch asks for {total} items; at most {self.config.max_batch} per request")
        out = []
        for i, sub in enumerate(subs):
            try:
                if not isinstance(sub, dict) or not isinstance(sub.get("model"), str) or "op" not in sub:
                    raise ApiError(400, f"requests[{i}] must be an object with 'model' and 'op'")
                rest = {k: v for k, v in sub.items() if k not in ("model", "op")}
                out.append({"status": 200, **self.run_op(sub["model"], str(sub["op"]), rest)})
            except ApiError as e:
                out.append({"status": e.status, "error": {"status": e.status, "message": e.message}})
        return {"responses": out}


def build_app(config: ServeConfig, loader=None) -> Starlette:
    svc = Service(config, loader)

    async def op_endpoint(request: Request) -> Response:
        name, op = request.path_params["name"], request.path_params["op"]
        body = await read_json(request, config.max_body)
        return JSONResponse(await svc.compute(op if op in OPS else "other", svc.run_op, name, op, body))

    async def batch_endpoint(request: Request) -> Response:
        body = await read_json(request, config.max_body)
        return JSONResponse(await svc.compute("batch", svc.run_batch, body))

    async def models_endpoint(request: Request) -> Response:
        return JSONResponse({"models": [s.describe() for s in svc.registry.slots.values()], "pid": os.getpid()})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "pid": os.getpid()})

    async def ready(request: Request) -> Response:
        slots = {n: s.describe() for n, s in svc.registry.slots.items()}
        ok = svc.registry.ready
        return JSONResponse({"ready": ok, "pid": os.getpid(), "models": slots}, status_code=200 if ok else 503)

    async def metrics_endpoint(request: Request) -> Response:
        data, ctype = metrics.render()
        return Response(data, media_type=ctype)

    async def admin_reload(request: Request) -> Response:
        token = config.admin_token
        given = request.headers.get("authorization", "")
        if not token:
            raise ApiError(403, "admin endpoints are disabled (start the service with --admin-token)")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise ApiError(401, "missing or wrong admin token (Authorization: Bearer <token>)")
        if config.workers > 0 and os.environ.get("SENTVEC_SERVE_SUPERVISED") == "1":
            os.kill(os.getppid(), signal.SIGHUP)  # the supervisor tells every worker to reload
            return JSONResponse({"reload": "requested", "workers": config.workers}, status_code=202)
        results = await anyio.to_thread.run_sync(svc.registry.reload)
        return JSONResponse({"reload": results})

    @asynccontextmanager
    async def lifespan(app):
        try:  # SIGHUP (forwarded by the supervisor): map the files again, swap, keep serving
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, svc.registry.reload_async)
        except (RuntimeError, ValueError, NotImplementedError):  # not the main thread (tests)
            pass
        svc.registry.start()
        await anyio.to_thread.run_sync(svc.registry.loaded.wait, config.load_wait)
        yield

    routes = [
        Route("/health", health), Route("/ready", ready), Route("/metrics", metrics_endpoint),
        Route("/v1/models", models_endpoint),
        Route("/v1/models/{name}/{op}", op_endpoint, methods=["POST"]),
        Route("/v1/batch", batch_endpoint, methods=["POST"]),
        Route("/admin/reload", admin_reload, methods=["POST"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=_handlers())
    app.state.service = svc
    return _Timed(app)


def _handlers() -> dict:
    async def api_error(request: Request, exc: ApiError) -> Response:
        return error(exc.status, exc.message)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error(exc.status_code, exc.detail or "error")

    async def internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error(500, "internal server error")

    return {ApiError: api_error, HTTPException: http_error, Exception: internal}


class _Timed:
    """ASGI wrapper counting every HTTP answer by endpoint and status, and timing it."""

    def __init__(self, app: Starlette):
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        endpoint = _endpoint(scope.get("path", ""))
        status = {"code": 500}
        start = time.perf_counter()

        async def send_status(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-sentvec-worker", str(os.getpid()).encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            metrics.REQUESTS.labels(endpoint, str(status["code"])).inc()
            metrics.LATENCY.labels(endpoint).observe(time.perf_counter() - start)


def _endpoint(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) == 4 and parts[:2] == ["v1", "models"] and parts[3] in OPS:
        return parts[3]
    known = {"health", "ready", "metrics", "v1/models", "v1/batch", "admin/reload"}
    return path.strip("/") if path.strip("/") in known else "other"


def create_app() -> Any:
    """uvicorn's factory in each worker: the settings come from ``SENTVEC_SERVE_CONFIG``."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # until the lifespan handler: a reload must not kill us
    config = ServeConfig.from_env()
    logging.basicConfig(level=config.log_level.upper())
    return build_app(config)
