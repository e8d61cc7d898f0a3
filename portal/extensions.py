"""Unbound extension singletons, bound to a Flask server by ``init_app``.

Each keeps its per-app state in ``server.extensions`` so two apps in one process (as in the
tests) never share a registry, engine or cache backend.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import diskcache
import sqlalchemy as sa
from celery import Celery
from dash import CeleryManager, DiskcacheManager
from flask import Flask
from flask_caching import Cache

from models.registry import ModelRegistry
from portal.batch.store import BatchStore
from portal.config import Settings
from portal.db.engine import create_engine
from portal.predlog.recorder import PredictionLog
from portal.predlog.spool import spool_dir

log = logging.getLogger(__name__)

CACHE_PURPOSES = ("inference", "figures")
JobManager = DiskcacheManager | CeleryManager


class CacheExtension:
    """One flask-caching ``Cache`` per purpose, each with its own key prefix and folder."""

    def __init__(self) -> None:
        self.caches: dict[str, Cache] = {purpose: Cache() for purpose in CACHE_PURPOSES}

    def init_app(self, server: Flask, settings: Settings) -> None:
        for purpose, cache in self.caches.items():
            cache.init_app(server, config=cache_config(settings, purpose))

    def __getitem__(self, purpose: str) -> Cache:
        return self.caches[purpose]


def cache_config(settings: Settings, purpose: str) -> dict[str, Any]:
    """flask-caching config for one purpose: Redis when configured, else a shared folder."""
    common: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout,
        "CACHE_KEY_PREFIX": f"portal:{purpose}:",
    }
    if settings.cache_url:
        return {
            **common,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": settings.cache_url,
            "CACHE_OPTIONS": {
                "socket_timeout": settings.cache_socket_timeout,
                "socket_connect_timeout": settings.cache_socket_timeout,
                "retry_on_timeout": False,
            },
        }
    folder = Path(settings.data_dir) / "cache" / purpose
    folder.mkdir(parents=True, exist_ok=True)
    return {
        **common,
        "CACHE_TYPE": "portal.file_cache.BoundedFileCache",
        "CACHE_DIR": str(folder),
        "CACHE_THRESHOLD": 20000,
    }


class RegistryExtension:
    """The model registry rooted at the configured model folder."""

    key = "portal.registry"

    def init_app(self, server: Flask, settings: Settings) -> ModelRegistry:
        registry = ModelRegistry(settings.models_path)
        server.extensions[self.key] = registry
        return registry

    def for_app(self, server: Flask) -> ModelRegistry:
        return server.extensions[self.key]


class DatabaseExtension:
    """A SQLAlchemy engine for the portal database (SQLite by default, PostgreSQL optional)."""

    key = "portal.database"

    def init_app(self, server: Flask, settings: Settings) -> sa.Engine:
        engine = create_engine(settings.sqlalchemy_url)
        server.extensions[self.key] = engine
        return engine

    def for_app(self, server: Flask) -> sa.Engine:
        return server.extensions[self.key]


class JobsExtension:
    """The Dash background-callback manager: disk cache by default, Celery when configured."""

    key = "portal.jobs"

    def init_app(self, server: Flask, settings: Settings) -> JobManager:
        manager: JobManager
        if settings.celery_broker_url:
            celery_app = Celery(
                "portal", broker=settings.celery_broker_url, backend=settings.celery_broker_url
            )
            celery_app.conf.update(celery_options(settings))
            manager = CeleryManager(celery_app)
        else:
            folder = Path(settings.data_dir) / "jobs"
            folder.mkdir(parents=True, exist_ok=True)
            manager = DiskcacheManager(diskcache.Cache(str(folder)))
        server.extensions[self.key] = manager
        return manager

    def for_app(self, server: Flask) -> JobManager:
        return server.extensions[self.key]


class PredictionLogExtension:
    """The prediction log over the portal database, spooling under the data dir while it is down."""

    key = "portal.prediction_log"

    def init_app(self, server: Flask, engine: sa.Engine, settings: Settings) -> PredictionLog:
        # The same thread brings batch rows kept on disk during an outage into the database.
        batches = BatchStore(engine, Path(settings.data_dir) / "batches")
        prediction_log = PredictionLog(engine, spool_dir(settings.data_dir), flush_hooks=[batches.sync])
        server.extensions[self.key] = prediction_log
        # Each gunicorn worker starts its own flusher on its first request (threads do not survive fork).
        server.before_request(prediction_log.ensure_flusher)
        return prediction_log

    def for_app(self, server: Flask) -> PredictionLog:
        return server.extensions[self.key]


def celery_options(settings: Settings) -> dict[str, Any]:
    """Keys prefixed per data dir, so portals sharing a Redis never take each other's jobs.

    Web and Celery workers of one portal share the data dir (uploads and results live there),
    so they agree on the prefix.
    """
    digest = hashlib.sha256(str(Path(settings.data_dir).resolve()).encode()).hexdigest()[:12]
    prefix = {"global_keyprefix": f"portal-{digest}:"}
    return {
        "broker_transport_options": prefix,
        "result_backend_transport_options": prefix,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
    }


cache = CacheExtension()
registry = RegistryExtension()
database = DatabaseExtension()
jobs = JobsExtension()
prediction_log = PredictionLogExtension()
