"""Running the service: uvicorn's multiprocess supervisor over N worker processes.

Why this stack: Starlette is a small, standard ASGI toolkit (routing, requests, responses,
lifespan) with nothing the service does not use; uvicorn is the reference ASGI server, and its
supervisor (``uvicorn.supervisors.Multiprocess``) already binds one listening socket shared by
the workers, restarts a worker that dies (SIGKILL included) and stops them all on SIGINT/SIGTERM.
A separate gunicorn master would add a dependency for the same job. One change: SIGHUP is
forwarded to the workers, which reload their models in place (``registry.Registry.reload``)
instead of being restarted, so no connection is closed and no request in flight is lost.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile

import uvicorn
from uvicorn.supervisors import Multiprocess

from .config import ENV_VAR, ServeConfig


class Supervisor(Multiprocess):
    """uvicorn's supervisor, with SIGHUP forwarded to every worker (reload in place)."""

    def handle_hup(self) -> None:
        for process in self.processes:
            pid = process.pid
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGHUP)
                except ProcessLookupError:  # died just now: keep_subprocess_alive replaces it
                    pass


def bind_socket(uconfig: uvicorn.Config) -> socket.socket:
    """uvicorn's listening socket, with TCP_NODELAY for the connections it accepts.

    The workers re-create the shared socket from its fd with proto 0, so asyncio does not set
    TCP_NODELAY on their connections (Nagle's algorithm and delayed ACKs then add ~40 ms to
    every answer); Linux copies the listening socket's TCP_NODELAY to each accepted socket.
    """
    sock = uconfig.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def serve(config: ServeConfig) -> None:
    """Run the service in the foreground until SIGINT/SIGTERM."""
    metrics_dir = tempfile.mkdtemp(prefix="sentvec-serve-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # read by the spawned workers
    os.environ[ENV_VAR] = config.to_json()
    os.environ["SENTVEC_SERVE_SUPERVISED"] = "1"
    try:
        uconfig = uvicorn.Config(
            "sentvec.serve.app:create_app", factory=True, host=config.host, port=config.port,
            workers=config.workers, log_level=config.log_level, lifespan="on",
            timeout_keep_alive=max(1, int(config.keep_alive)),
            timeout_graceful_shutdown=max(1, int(config.timeout) + 1),
            timeout_worker_healthcheck=max(5, int(config.load_wait) + 5),
        )
        sock = bind_socket(uconfig)
        try:
            Supervisor(uconfig, sockets=[sock]).run()
        finally:
            sock.close()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
