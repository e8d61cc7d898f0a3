"""Shared fixtures: a small demo model registry built once, fresh apps per test, servers, browsers."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal.threads import cap_thread_env

cap_thread_env(1)

from portal.config import Settings, load_settings  # noqa: E402
from tests.support.servers import GunicornServer, start_gunicorn  # noqa: E402

TEST_ROWS = 4000
# Where tests that name months end the demo history (portal demo itself ends it yesterday): the
# months before the shift are 2026-05 to 2026-07, the shifted ones 2026-08 to 2026-10.
DEMO_HISTORY_END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def demo_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the demo (small) once per session; tests copy it when they change it."""
    from models.demo import build_demo
    from models.registry import ModelRegistry

    root = tmp_path_factory.mktemp("demo")
    build_demo(ModelRegistry(root / "models"), root / "datasets", rows=TEST_ROWS, seed=7)
    migrate_sqlite(root / "portal.db")
    return root


def migrate_sqlite(path: Path) -> None:
    """Bring a SQLite portal database to the code's schema, as `portal db upgrade` does."""
    from portal.db import migrate

    migrate.upgrade_url(f"sqlite:///{path}")


@pytest.fixture()
def data_dir(tmp_path: Path, demo_models_dir: Path) -> Path:
    """A private data dir holding a copy of the demo models and datasets."""
    target = tmp_path / "var"
    shutil.copytree(demo_models_dir, target)
    return target


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a portal under test: no inherited PORTAL_* values, private data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") or k.startswith("PORTAL_TEST_")}
    env.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_LOG_LEVEL="warning")
    env.update(extra)
    return env


@pytest.fixture()
def make_settings(data_dir: Path) -> Callable[..., Settings]:
    """Settings from an env-style mapping, over the private data dir."""

    def factory(**env: str) -> Settings:
        return load_settings(base_env(data_dir, **env))

    return factory


@pytest.fixture()
def postgres_database_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; skipped when no server answers."""
    from tests.support.databases import fresh_postgres_database

    with fresh_postgres_database() as url:
        yield url


@pytest.fixture()
def app(make_settings: Callable[..., Settings]):
    """A fresh portal app per test; its prediction-log flusher stops with the test."""
    from portal.app import create_app

    app = create_app(make_settings())
    yield app
    app.server.extensions["portal.services"].prediction_log.stop()


@pytest.fixture()
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def module_data_dir(tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path) -> Path:
    target = tmp_path_factory.mktemp("served") / "var"
    shutil.copytree(demo_models_dir, target)
    return target


@pytest.fixture(scope="module")
def served(module_data_dir: Path) -> Iterator[GunicornServer]:
    """A real gunicorn serving the portal on a free loopback port, shared by a test module."""
    server = start_gunicorn(base_env(module_data_dir, PORTAL_WORKERS="2", PORTAL_LOG_LEVEL="info"))
    try:
        yield server
    finally:
        server.stop()
