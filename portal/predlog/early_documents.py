"""A large request's feature documents, built on a worker thread while the model scores its rows.

The features of a log row are known once the records are validated, so there is no reason to wait
for the model before writing them as JSON. Arrow's kernels release the GIL, as does much of a
gradient-boosting model's scoring, so the two overlap on a second core: about 35 ms of a
10,000-record request. Small frames are built when asked, in the caller's thread, where a hand-off
would cost more than it saves. The text is ``feature_documents``' either way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from portal.predlog.documents import feature_documents

# From this many rows, the documents are started on the worker thread.
EARLY_ROWS = 1000

_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """This process's pool (a forked worker makes its own: threads do not survive a fork)."""
    global _pool
    with _lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=2, thread_name_prefix="log-documents"))
        return _pool[1]


def documents_soon(frame: pd.DataFrame) -> Callable[[], list[str]]:
    """A call that returns the frame's feature documents, started now on a thread for large frames.

    The worker reads its own shallow copy of the frame (the same arrays), so the model's reads of
    the caller's frame never meet pandas' bookkeeping from another thread.
    """
    if len(frame) < EARLY_ROWS:
        return lambda: feature_documents(frame)
    future: Future[list[str]] = _executor().submit(feature_documents, frame.copy(deep=False))
    return future.result
