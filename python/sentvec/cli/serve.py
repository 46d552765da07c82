"""``serve``: the HTTP service over one or more models (needs the ``sentvec[serve]`` extra)."""

from __future__ import annotations

import sentvec

from .errors import CommandError, UsageError
from .parsing import Opt, verb

_SERVE_OPTS_ONE = {
    "host": Opt("str", "address to listen on (default 127.0.0.1)"),
    "port": Opt("int", "TCP port (default 8000)"),
    "workers": Opt("int", "worker processes; each maps every model once, all share one copy (default 1)"),
    "threads": Opt("int", "requests computed at once per worker (default 4)"),
    "max-body": Opt("int", "largest request body in bytes, 413 beyond (default 1048576)"),
    "max-batch": Opt("int", "most texts/words in one request, 413 beyond (default 1024)"),
    "timeout": Opt("float", "seconds a request may compute before a 504 answer (default 10)"),
    "load-wait": Opt("float", "seconds a starting worker waits for its models before answering 503 (default 60)"),
    "keep-alive": Opt("float", "seconds an idle connection stays open (default 30)"),
    "admin-token": Opt("str", "enable POST /admin/reload for 'Authorization: Bearer <token>'"),
    "no-mmap": Opt("flag", "read the models into each worker's memory instead of mapping them"),
    "log-level": Opt("str", "uvicorn's log level (default warning)"),
}
# sentvec's own verb: --long flags as other HTTP servers, fastText's -single-dash style as well.
_SERVE_OPTS = {**_SERVE_OPTS_ONE,
               **{"-" + k: Opt(o.kind, "same as -" + k, dest=k) for k, o in _SERVE_OPTS_ONE.items()}}

_INT_LIMITS = {"port": (0, 65535), "workers": (1, 512), "threads": (1, 1024), "max-body": (1, 1 << 40),
               "max-batch": (1, 1 << 30)}


@verb(
    "serve",
    "serve models over HTTP: JSON predict, vectors, neighbours, /health, /ready, /metrics",
    ["model..."],
    _SERVE_OPTS,
    "Each <model> is PATH or NAME=PATH (NAME defaults to the file's stem); it is served at\n"
    "/v1/models/NAME/{predict,sentence-vectors,word-vectors,neighbors}. SIGHUP reloads the models\n"
    "(replace a file by an atomic rename first) without dropping requests.",
)
def cmd_serve(pos, opts):
    try:
        from .. import serve as service
    except ImportError as e:
        raise CommandError(f"'serve' needs the serve extra: pip install \"sentvec[serve]\" ({e})") from None
    for name, (lo, hi) in _INT_LIMITS.items():
        if name in opts and not lo <= opts[name] <= hi:
            raise UsageError(f"--{name} must be in [{lo}, {hi}] (got {opts[name]})")
    for name in ("timeout", "load-wait", "keep-alive"):
        if name in opts and not opts[name] >= 0:
            raise UsageError(f"--{name} must be >= 0 (got {opts[name]})")
    try:
        models = service.parse_model_specs(pos)
    except ValueError as e:
        raise UsageError(str(e)) from None
    for path in models.values():  # fail fast on a missing or bad file (mapping costs nothing)
        sentvec.load_model(path, mmap=True)
    config = service.ServeConfig(
        models=models, mmap=not opts.get("no-mmap"), admin_token=opts.get("admin-token", ""),
        **{k.replace("-", "_"): opts[k] for k in ("host", "port", "workers", "threads", "max-body", "max-batch",
                                                   "timeout", "load-wait", "keep-alive", "log-level") if k in opts},
    )
    service.serve(config)
    return 0
