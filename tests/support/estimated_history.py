"""A demo larger than the session's, with six months of logged history and lagged outcomes.

Weeks of this history hold about 380 rows each, enough for an estimate (``MIN_ROWS``); the
session demo's weeks hold about 80.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.feedback.demo_outcomes import DemoOutcomes
from portal.predlog.demo_history import backfill
from tests.conftest import DEMO_HISTORY_END, base_env, migrate_sqlite

# Enough rows that a demo week (about 380 logged rows) clears MIN_ROWS.
ROWS = 20_000


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A larger demo than the session's, built once for this module."""
    from models.demo import build_demo
    from models.registry import ModelRegistry

    root = tmp_path_factory.mktemp("estimated") / "var"
    build_demo(ModelRegistry(root / "models"), root / "datasets", rows=ROWS, seed=11)
    migrate_sqlite(root / "portal.db")
    return root


@pytest.fixture(scope="module")
def history_app(history_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from portal.app import create_app
    from portal.config import load_settings

    target = tmp_path_factory.mktemp("estimated-app") / "var"
    shutil.copytree(history_dir, target)
    app = create_app(load_settings(base_env(target)))
    services = app.server.extensions["portal.services"]
    for name in ("churn", "revenue"):
        record = services.registry.get(name)
        labels = DemoOutcomes(services.engine, record, DEMO_HISTORY_END)
        backfill(services.registry, services.prediction_log, name, anchor=DEMO_HISTORY_END, on_logged=labels)
    yield app
    services.prediction_log.stop()
