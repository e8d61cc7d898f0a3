"""Pause Python's cyclic garbage collector around a large request's work.

Parsing a 10,000-record body creates hundreds of thousands of containers, and each batch of new
containers triggers a collection that walks everything alive: about a sixth of such a request's
time went to collections that found nothing (the request path makes no reference cycles). The pause
is process-wide and counted, so concurrent requests in one worker nest safely; the collector resumes
when the last one ends, and reference counting frees memory as usual in between.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_holders = 0
_resume = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with cyclic collection off, unless someone else already turned it off for good."""
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()
