"""Migration 0900 creates exactly the scheduler tables portal/db/scheduler.py declares."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from portal.db import metadata, migrate
from portal.db.engine import create_engine

TABLES = {"scheduler_jobs", "scheduler_runs", "scheduler_instances"}


def _differences(url: str) -> list:
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            found = compare_metadata(context, metadata)
    finally:
        engine.dispose()

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None:
                return table.name
            if name in TABLES:
                return name
        return None

    return [diff for diff in found if table_of(diff) in TABLES]


def test_ssc001_sqlite_schema_matches_the_declared_tables(tmp_path) -> None:
    assert _differences(f"sqlite:///{tmp_path / 'portal.db'}") == []


@pytest.mark.postgres
def test_ssc002_postgres_schema_matches_the_declared_tables(postgres_database_url: str) -> None:
    assert _differences(postgres_database_url) == []
