"""Prometheus metrics at /metrics, aggregated across gunicorn workers when running under gunicorn.

portal.web.gunicorn_conf points PROMETHEUS_MULTIPROC_DIR at a fresh folder before the app is imported;
each worker then writes its counters there and any worker can report the sum.
"""

from __future__ import annotations

import os

from flask import Blueprint, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)

from portal.threads import native_pool_sizes
from portal.web.worker_pool import MULTIPROC_ENV

NATIVE_THREADS = Gauge(
    "portal_native_threads",
    "Largest native thread pool (OpenMP, BLAS) in any live worker",
    ["api"],
    multiprocess_mode="livemax",
)


def record_native_threads() -> None:
    """Publish this process's pool sizes; called at start-up and after each fork."""
    for api, size in native_pool_sizes().items():
        NATIVE_THREADS.labels(api).set(size)


def _registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def create_metrics_blueprint() -> Blueprint:
    metrics = Blueprint("metrics", __name__)

    @metrics.get("/metrics")
    def prometheus_metrics() -> Response:
        return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)

    return metrics
