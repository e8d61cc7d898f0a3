"""Migration 1500 creates the declared ``alert_rules`` table and lets alerts be of the feature-drift kind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from portal.db import metadata, migrate
from portal.db.engine import create_engine


def _check(url: str) -> list:
    """Differences between the migrated ``alert_rules`` and the declared one; a feature-drift alert fits."""
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            found = compare_metadata(context, metadata)
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO alerts (rule, kind, model_name, model_version, status, summary, details, "
                    "page, raised_at, last_seen_at, deliveries) VALUES ('r', 'feature_drift', 'churn', 1, "
                    "'open', 's', '{}', '/drift', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '[]')"
                )
            )
        migrate.downgrade(engine, "1400_alert_management")
        with engine.connect() as connection:
            assert "alert_rules" not in sa.inspect(connection).get_table_names()
            assert connection.execute(sa.text("SELECT COUNT(*) FROM alerts")).scalar() == 0
        migrate.upgrade(engine)
    finally:
        engine.dispose()

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            table = getattr(part, "table", None)
            if table is not None:
                return table.name
            if getattr(part, "name", None) == "alert_rules":
                return "alert_rules"
        return None

    return [diff for diff in found if table_of(diff) == "alert_rules"]


def test_ars101_sqlite_alert_rules_match_the_declared_table(tmp_path) -> None:
    assert _check(f"sqlite:///{tmp_path / 'portal.db'}") == []


@pytest.mark.postgres
def test_ars102_postgres_alert_rules_match_the_declared_table(postgres_database_url: str) -> None:
    assert _check(postgres_database_url) == []
