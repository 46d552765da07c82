"""``sentvec serve``: an HTTP service over sentvec models (optional extra ``sentvec[serve]``).

Starlette application (``app``) in N uvicorn worker processes under one supervisor
(``supervisor``). Each worker maps each model file once (``load_model(path, mmap=True)``), so all
workers share one copy of the matrices through the page cache. The core package never imports
this package.
"""

from __future__ import annotations

from .config import ServeConfig, parse_model_specs

__all__ = ["ServeConfig", "parse_model_specs", "serve"]


def serve(config: ServeConfig) -> None:
    """Run the service in the foreground (see ``supervisor.serve``)."""
    from .supervisor import serve as _serve

    _serve(config)
