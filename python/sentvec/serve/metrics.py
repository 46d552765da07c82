"""Prometheus metrics. Under ``sentvec serve`` every worker writes its samples into the directory
named by ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode), so ``/metrics``
from any worker reports the whole service; in a single process the default registry is used."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess

REQUESTS = Counter("sentvec_requests_total", "HTTP requests answered", ["endpoint", "status"])
ITEMS = Counter("sentvec_items_total", "texts or words computed", ["endpoint", "model"])
LATENCY = Histogram("sentvec_request_seconds", "time to answer a request", ["endpoint"],
                    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
RELOADS = Counter("sentvec_model_reloads_total", "model reloads by result", ["model", "result"])
TIMEOUTS = Counter("sentvec_request_timeouts_total", "requests answered 504 after the timeout", ["endpoint"])


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
