"""gunicorn server hooks: reset per-process state after fork, and forget workers that exited.

portal.web.gunicorn_conf imports this only after ``prepare_metrics_dir``, because prometheus_client
reads the multiprocess folder when it is imported.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from prometheus_client import multiprocess

from portal.web.metrics import record_native_threads
from portal.web.requests import REPEATED_HEADERS_FLAG
from portal.web.watchdog import EXTENSION_KEY as WATCHDOG_KEY


def mark_repeated_headers(headers: list[tuple[str, str]], names: Iterable[str]) -> None:
    """Flag identity headers a request carries more than once, before WSGI joins them into one value.

    WSGI folds repeated headers into one comma-separated value, so ``X-Forwarded-Groups`` sent by the
    client and again by a proxy that appends instead of replacing would read as the union of both.
    gunicorn still sees each line here; the app refuses a request that carries the flag. A client's
    own copy of the flag header is dropped, so only this hook can set it.
    """
    wanted = {name.upper() for name in names}
    counts: dict[str, int] = {}
    kept = []
    for name, value in headers:
        upper = name.upper()
        if upper == REPEATED_HEADERS_FLAG.upper():
            continue
        counts[upper] = counts.get(upper, 0) + 1
        kept.append((name, value))
    repeated = sorted(name for name in wanted if counts.get(name, 0) > 1)
    headers[:] = kept
    if repeated:
        headers.append((REPEATED_HEADERS_FLAG.upper(), ",".join(repeated)))


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges so /metrics reports only running workers."""
    multiprocess.mark_process_dead(pid)


def after_fork() -> None:
    """Forked workers must not reuse the master's database connections, and each watches its requests."""
    record_native_threads()
    wsgi = sys.modules.get("wsgi")
    server = getattr(wsgi, "server", None)
    if server is None:
        return
    engine = server.extensions.get("portal.database")
    if engine is not None:
        engine.dispose(close=False)
    watchdog = server.extensions.get(WATCHDOG_KEY)
    if watchdog is not None:
        watchdog.start_thread()
