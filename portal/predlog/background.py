"""A small per-process thread pool that lets a large request's log work overlap its other work.

The model's trees and SQLite's ``sqlite3_step`` run in native code without the GIL, so a
10,000-row request can build its feature documents while the model scores, and encode its answer
while its rows are inserted and committed. Tasks never wait on one another, so a bounded pool
cannot deadlock; a busy pool only queues. A forked child (a gunicorn worker) gets a pool of its own,
since the parent's threads do not exist in it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

# Requests of at least this many rows overlap; smaller ones stay on the request thread, where a
# thread hand-off (about 50-100 µs) would cost more than it saves.
OVERLAP_ROWS = 5000
WORKERS = 2

T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def submit(task: Callable[..., T], *args: Any) -> Future[T]:
    """Run ``task(*args)`` on this process's pool; its exception is raised by ``result()``."""
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        with _lock:
            if _pool is None or _pool_pid != os.getpid():
                _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="prediction-log")
                _pool_pid = os.getpid()
    return _pool.submit(task, *args)
