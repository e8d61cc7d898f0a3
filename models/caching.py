"""Cache reads and writes that never fail a request, with hit/miss counters for /metrics.

When the cache backend (e.g. Redis) is down or slow, each call falls through to computing the
value; after a failure the backend is skipped for a short cool-down, so an outage costs at most
one socket timeout every few seconds instead of one per request.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from prometheus_client import Counter

from models.cool_down import CoolDown

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_REQUESTS = Counter(
    "portal_cache_requests",
    "Cache lookups by purpose and result (hit, miss, error, bypass)",
    ["purpose", "result"],
)
# After a failure the backend is skipped for a few seconds; keyed per backend, so apps never share one.
_cool_down = CoolDown()
_lock = threading.Lock()
# Small, hot results (one row, one explanation) are also kept in this process. Keys name the
# model version and checksum, so an entry can never become wrong, only old; LRU bounds memory.
LOCAL_ENTRIES = 512
_local: OrderedDict[tuple[int, str], Any] = OrderedDict()
# Large results (a scored data source) that every chart of a page reads: unpickling one per callback
# costs more than drawing the chart, so a few stay in this process too, computed by one thread at a time.
LARGE_ENTRIES = 4
_large: OrderedDict[tuple[int, str], Any] = OrderedDict()
_compute_locks: dict[tuple[int, str], threading.Lock] = {}


def _backend_id(cache: Any) -> int:
    """The backend in use; flask-caching resolves it per app, so apps never share a cool-down."""
    try:
        return id(cache.cache)
    except (AttributeError, RuntimeError, KeyError):
        return id(cache)


def _backend_down(cache: Any) -> bool:
    return _cool_down.active(_backend_id(cache))


def _mark_down(cache: Any, purpose: str, exc: BaseException) -> None:
    if _cool_down.start(_backend_id(cache)):
        log.warning(
            "cache backend unavailable; serving uncached", extra={"purpose": purpose, "error": repr(exc)}
        )


def _remember(
    store: OrderedDict[tuple[int, str], Any], limit: int, slot: tuple[int, str], value: Any
) -> None:
    with _lock:
        store[slot] = value
        store.move_to_end(slot)
        while len(store) > limit:
            store.popitem(last=False)


def cached_call(
    cache: Any, purpose: str, key: str, compute: Callable[[], T], local: bool = False, large: bool = False
) -> T:
    """Return the cached value for ``key`` or compute and store it; cache trouble is never fatal.

    ``local=True`` also keeps the value in this process, for small results asked for again and again.
    ``large=True`` keeps one of a few big values in this process, and lets one thread compute it.
    """
    slot = (_backend_id(cache), key)
    if large:
        return _large_call(cache, purpose, key, compute, slot)
    if local:
        value = _local.get(slot)
        if value is not None:
            CACHE_REQUESTS.labels(purpose, "hit").inc()
            return value
        value = _shared_call(cache, purpose, key, compute)
        _remember(_local, LOCAL_ENTRIES, slot, value)
        return value
    return _shared_call(cache, purpose, key, compute)


def _large_call(cache: Any, purpose: str, key: str, compute: Callable[[], T], slot: tuple[int, str]) -> T:
    value = _large.get(slot)
    if value is not None:
        CACHE_REQUESTS.labels(purpose, "hit").inc()
        return value
    with _lock:
        compute_lock = _compute_locks.setdefault(slot, threading.Lock())
    with compute_lock:
        value = _large.get(slot)
        if value is None:
            value = _shared_call(cache, purpose, key, compute)
            _remember(_large, LARGE_ENTRIES, slot, value)
        else:
            CACHE_REQUESTS.labels(purpose, "hit").inc()
    return value


def _shared_call(cache: Any, purpose: str, key: str, compute: Callable[[], T]) -> T:
    if cache is None or _backend_down(cache):
        CACHE_REQUESTS.labels(purpose, "bypass").inc()
        return compute()
    try:
        value = cache.get(key)
    except Exception as exc:  # any backend error: answer uncached
        CACHE_REQUESTS.labels(purpose, "error").inc()
        _mark_down(cache, purpose, exc)
        return compute()
    if value is not None:
        CACHE_REQUESTS.labels(purpose, "hit").inc()
        return value
    CACHE_REQUESTS.labels(purpose, "miss").inc()
    value = compute()
    try:
        cache.set(key, value)
    except Exception as exc:
        _mark_down(cache, purpose, exc)
    return value


def peek(cache: Any, purpose: str, key: str) -> Any:
    """The cached value for ``key`` (this process first, then the backend), or None; never fails.

    For callers that look up many keys and compute the misses together (one read for many days).
    """
    slot = (_backend_id(cache), key)
    value = _local.get(slot)
    if value is not None:
        CACHE_REQUESTS.labels(purpose, "hit").inc()
        return value
    if cache is None or _backend_down(cache):
        CACHE_REQUESTS.labels(purpose, "bypass").inc()
        return None
    try:
        value = cache.get(key)
    except Exception as exc:  # any backend error: a miss
        CACHE_REQUESTS.labels(purpose, "error").inc()
        _mark_down(cache, purpose, exc)
        return None
    CACHE_REQUESTS.labels(purpose, "hit" if value is not None else "miss").inc()
    if value is not None:
        _remember(_local, LOCAL_ENTRIES, slot, value)
    return value


def put(cache: Any, purpose: str, key: str, value: Any, timeout: int | None = None) -> None:
    """Store ``value``; with ``timeout`` (seconds) only in the backend, for values that go stale soon."""
    if timeout is None:
        _remember(_local, LOCAL_ENTRIES, (_backend_id(cache), key), value)
    if cache is None or _backend_down(cache):
        return
    try:
        cache.set(key, value, timeout=timeout) if timeout is not None else cache.set(key, value)
    except Exception as exc:
        _mark_down(cache, purpose, exc)
