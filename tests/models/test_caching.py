"""cached_call: large values are computed by one thread and then served from this process."""

from __future__ import annotations

import threading
import time

from flask import Flask
from flask_caching import Cache

from models import caching


def _cache(tmp_path) -> Cache:
    server = Flask("t")
    cache = Cache()
    cache.init_app(server, config={"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(tmp_path)})
    return cache


def test_cch001_large_values_compute_once_under_concurrency_and_stay_local(tmp_path, monkeypatch) -> None:
    cache = _cache(tmp_path)
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        time.sleep(0.2)
        return list(range(1000))

    results: list[object] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(caching.cached_call(cache, "t", "k1", compute, large=True))
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1, "every caller gets the same in-process object"
    # Served from the process even when the shared cache would fail.
    monkeypatch.setattr(cache, "get", lambda key: (_ for _ in ()).throw(AssertionError("shared cache read")))
    assert caching.cached_call(cache, "t", "k1", compute, large=True) is results[0]


def test_cch002_only_a_few_large_values_are_kept(tmp_path) -> None:
    cache = _cache(tmp_path)
    for index in range(caching.LARGE_ENTRIES + 2):
        caching.cached_call(cache, "t", f"big{index}", lambda i=index: [i] * 10, large=True)
    kept = [key for (_, key) in caching._large if key.startswith("big")]
    assert len(kept) == caching.LARGE_ENTRIES
    assert "big0" not in kept
