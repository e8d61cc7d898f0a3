"""A database engine for a command: reachable, migrated, and disposed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from portal.commands import CliError
from portal.config import Settings
from portal.db import migrate
from portal.db.engine import create_engine


@contextmanager
def ready_engine(settings: Settings) -> Iterator[sa.Engine]:
    """An engine on a reachable database whose schema is current, disposed afterwards; CliError if not."""
    engine = create_engine(settings.sqlalchemy_url)
    try:
        try:
            state = migrate.status(engine)
        except Exception as exc:  # a database that cannot be reached is a user-facing problem here
            raise CliError(f"the portal database cannot be reached: {type(exc).__name__}: {exc}") from None
        if not state.up_to_date:
            raise CliError(state.describe())
        yield engine
    finally:
        engine.dispose()
