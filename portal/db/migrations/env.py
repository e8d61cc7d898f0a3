"""Alembic environment: runs migrations on the connection handed over by ``portal.db.migrate``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from portal.db.tables import metadata

config = context.config


def run_migrations_online() -> None:
    """Use the caller's connection when given one, else connect to the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as own:
        _run(own)
    engine.dispose()


def _run(connection: sa.Connection) -> None:
    # Batch mode lets ALTER-style changes work on SQLite, which cannot alter most constraints.
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `portal db upgrade`")
run_migrations_online()
