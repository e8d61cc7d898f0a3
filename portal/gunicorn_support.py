"""Helpers for gunicorn.conf.py: sizing the worker pool and resetting state after fork."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

log = logging.getLogger(__name__)
WORKER_MEMORY_BYTES = 512 * 1024 * 1024


def default_workers() -> int:
    """2 x cores + 1, but never more workers than available memory can hold at 512 MiB each."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    by_cpu = 2 * cores + 1
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return by_cpu
    return max(1, min(by_cpu, available // WORKER_MEMORY_BYTES))


def prepare_metrics_dir(data_dir: Path) -> None:
    """A fresh folder for per-worker metric files; must be set before prometheus_client is imported."""
    folder = data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges so /metrics reports only running workers."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


def after_fork() -> None:
    """Forked workers must not reuse database connections opened by the preloading master."""
    from portal.metrics import record_native_threads

    record_native_threads()
    wsgi = sys.modules.get("wsgi")
    server = getattr(wsgi, "server", None)
    if server is None:
        return
    engine = server.extensions.get("portal.database")
    if engine is not None:
        engine.dispose(close=False)
