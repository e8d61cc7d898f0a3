"""Schema migrations: applied by `portal db upgrade`, checked by /readyz, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.cli import main
from portal.config import load_settings
from portal.db import migrate
from portal.db.engine import create_engine


@pytest.fixture()
def empty_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir whose database has never been migrated."""
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_db001_cli_status_reports_pending_until_upgrade(empty_env: Path, capsys) -> None:
    assert main(["db", "status"]) == 1
    assert "portal db upgrade" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"schema at {migrate.head_revision()}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0, "upgrading twice must be harmless"
    assert main(["db", "status"]) == 0


def test_db002_readyz_names_a_stale_schema(empty_env: Path) -> None:
    from portal.app import create_app

    app = create_app(load_settings({"PORTAL_DATA_DIR": str(empty_env), "PORTAL_LOG_LEVEL": "warning"}))
    ready = app.server.test_client().get("/readyz")
    assert ready.status_code == 503
    assert "database" in ready.get_json()["failing"]
    assert "portal db upgrade" in ready.get_json()["checks"]["database"]["detail"]


def test_db003_bad_database_url_in_cli_is_one_line(empty_env: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PORTAL_DATABASE_URL", "mysql://nobody")
    assert main(["db", "upgrade"]) == 2
    assert "PORTAL_DATABASE_URL" in capsys.readouterr().err


@pytest.mark.postgres
def test_db004_upgrade_and_downgrade_on_postgres(postgres_database_url: str) -> None:
    engine = create_engine(postgres_database_url)
    try:
        assert migrate.status(engine).current is None
        migrate.upgrade(engine)
        assert migrate.status(engine).up_to_date
        with engine.connect() as connection:
            assert "alembic_version" in sa.inspect(connection).get_table_names()
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
    finally:
        engine.dispose()


def test_db005_a_schema_migrated_by_a_newer_release_still_serves(empty_env: Path, capsys) -> None:
    """Upgrades migrate first, then roll the pods: the old release must stay ready meanwhile."""
    from portal.app import create_app

    assert main(["db", "upgrade"]) == 0
    engine = create_engine(f"sqlite:///{empty_env / 'portal.db'}")
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '9900_from_the_future'"))
    finally:
        engine.dispose()
    capsys.readouterr()
    assert main(["db", "status"]) == 1, "this code is not at that revision"
    assert "newer than this code's" in capsys.readouterr().out
    app = create_app(load_settings({"PORTAL_DATA_DIR": str(empty_env), "PORTAL_LOG_LEVEL": "warning"}))
    database = app.server.test_client().get("/readyz").get_json()["checks"]["database"]
    assert database["ok"] is True, database
    assert "newer than this code's" in database["detail"]


@pytest.mark.postgres
def test_db006_pods_starting_together_migrate_in_turn(postgres_database_url: str, tmp_path: Path) -> None:
    """Init containers of several pods run `portal db upgrade` at once: every one must succeed."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") or k.startswith("PORTAL_TEST_")}
    env.update(PORTAL_DATA_DIR=str(tmp_path), PORTAL_DATABASE_URL=postgres_database_url)
    portal = str(Path(sys.executable).with_name("portal"))
    runs = [
        subprocess.Popen([portal, "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
    assert all(f"schema at {migrate.head_revision()}" in output for output in outputs)
