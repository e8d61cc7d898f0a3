"""The embedded file cache: one file written per entry, and the folder kept near its threshold."""

from __future__ import annotations

import os
import time

from flask import Flask
from flask_caching import Cache

from portal import file_cache
from portal.config import load_settings
from portal.extensions import cache_config

BACKEND = "portal.file_cache.BoundedFileCache"


def _cache(server: Flask, folder, **config) -> Cache:
    return Cache(server, config={"CACHE_TYPE": BACKEND, "CACHE_DIR": str(folder), **config})


def test_fcc001_values_round_trip_and_expire(tmp_path) -> None:
    server = Flask("t")
    cache = _cache(server, tmp_path)
    with server.app_context():
        assert isinstance(cache.cache, file_cache.BoundedFileCache)
        cache.set("k", {"p": [0.25, 0.75]})
        assert cache.get("k") == {"p": [0.25, 0.75]}
        cache.set("short", 1, timeout=1)
        time.sleep(1.1)
        assert cache.get("short") is None


def test_fcc002_a_write_stores_one_file_and_no_count_file(tmp_path) -> None:
    server = Flask("t")
    cache = _cache(server, tmp_path, CACHE_THRESHOLD=50)
    with server.app_context():
        for i in range(10):
            cache.set(f"k{i}", i)
        assert len(os.listdir(tmp_path)) == 10  # cachelib's own backend also keeps a count file


def test_fcc003_the_folder_is_trimmed_oldest_first_near_the_threshold(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(file_cache, "PRUNE_EVERY", 20)
    server = Flask("t")
    cache = _cache(server, tmp_path, CACHE_THRESHOLD=100)
    with server.app_context():
        for i in range(400):
            cache.set(f"k{i}", i)
            os.utime(cache.cache._get_filename(f"k{i}"), ns=(i * 10**9, i * 10**9))
        held = len(os.listdir(tmp_path))
        assert held <= 100 + file_cache.PRUNE_EVERY
        assert cache.get("k399") == 399  # the newest stay
        assert cache.get("k0") is None  # the oldest went
        kept = [i for i in range(400) if cache.get(f"k{i}") is not None]
        assert kept == list(range(400 - len(kept), 400))


def test_fcc004_the_embedded_default_uses_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PORTAL_CACHE_URL", raising=False)
    config = cache_config(load_settings(), "inference")
    assert config["CACHE_TYPE"] == BACKEND
    assert config["CACHE_THRESHOLD"] == 20000
