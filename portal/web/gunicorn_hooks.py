"""gunicorn server hooks: reset per-process state after fork, and forget workers that exited.

gunicorn.conf.py imports this only after ``prepare_metrics_dir``, because prometheus_client
reads the multiprocess folder when it is imported.
"""

from __future__ import annotations

import sys

from prometheus_client import multiprocess

from portal.web.metrics import record_native_threads


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges so /metrics reports only running workers."""
    multiprocess.mark_process_dead(pid)


def after_fork() -> None:
    """Forked workers must not reuse database connections opened by the preloading master."""
    record_native_threads()
    wsgi = sys.modules.get("wsgi")
    server = getattr(wsgi, "server", None)
    if server is None:
        return
    engine = server.extensions.get("portal.database")
    if engine is not None:
        engine.dispose(close=False)
