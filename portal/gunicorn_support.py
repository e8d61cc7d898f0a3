"""Helpers for gunicorn.conf.py: sizing the worker pool and resetting state after fork."""

from __future__ import annotations

import logging
import os
import sys

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


def after_fork() -> None:
    """Forked workers must not reuse database connections opened by the preloading master."""
    wsgi = sys.modules.get("wsgi")
    server = getattr(wsgi, "server", None)
    if server is None:
        return
    engine = server.extensions.get("portal.database")
    if engine is not None:
        engine.dispose(close=False)
