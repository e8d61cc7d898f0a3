"""Sub-commands of the ``portal`` CLI, one module each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa

    from portal.config import Settings


class CliError(Exception):
    """A user mistake on the command line; printed as one line, exit code 2."""


@contextmanager
def ready_engine(settings: Settings) -> Iterator[sa.Engine]:
    """An engine on a reachable database whose schema is current, disposed afterwards; CliError if not."""
    from portal.db import migrate
    from portal.extensions import create_engine

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
