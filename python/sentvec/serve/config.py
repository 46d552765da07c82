"""The service's settings, passed from ``sentvec serve`` to each worker process as JSON in an
environment variable (the workers are spawned by uvicorn's supervisor and build their own app)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

ENV_VAR = "SENTVEC_SERVE_CONFIG"


@dataclass
class ServeConfig:
    """What a worker needs: the models (name -> path) and the request limits.

    ``max_body`` bounds a request body in bytes (413 beyond); ``max_batch`` bounds the number of
    items in one request (texts, words; 413 beyond); ``timeout`` is the seconds a request may
    compute before it is answered 504; ``threads`` is how many requests a worker computes at once
    (the C++ calls release the GIL); ``load_wait`` is how long a starting worker waits for its
    models before it takes requests anyway (answering 503 for a model still loading);
    ``keep_alive`` is how long an idle connection is kept open; ``admin_token`` enables
    ``POST /admin/reload`` for clients that send it as a bearer token.
    """

    models: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body: int = 1 << 20
    max_batch: int = 1024
    timeout: float = 10.0
    threads: int = 4
    load_wait: float = 60.0
    mmap: bool = True
    keep_alive: float = 30.0
    admin_token: str = ""
    log_level: str = "warning"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        return cls(**json.loads(text))

    @classmethod
    def from_env(cls) -> ServeConfig:
        text = os.environ.get(ENV_VAR)
        if not text:
            raise RuntimeError(f"{ENV_VAR} is not set: start workers with 'sentvec serve'")
        return cls.from_json(text)


def parse_model_specs(specs: list[str]) -> dict[str, str]:
    """``NAME=PATH`` or ``PATH`` (named by the file's stem) -> {name: absolute path}."""
    models: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = Path(spec).stem, spec
        if not name or not path:
            raise ValueError(f"model {spec!r}: expected PATH or NAME=PATH")
        if name in models:
            raise ValueError(f"model name {name!r} is given twice (use NAME=PATH to tell them apart)")
        models[name] = os.path.abspath(path)
    if not models:
        raise ValueError("no model to serve")
    return models
