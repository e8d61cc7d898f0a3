"""Apply and inspect Alembic migrations programmatically, without an ``alembic.ini`` on disk.

``make run`` and ``portal db upgrade`` call :func:`upgrade`; ``/readyz`` calls :func:`status`
so a worker never serves against a schema older than its code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from portal.db.engine import create_engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key held while migrating: the first 8 bytes of sha256("portal.db.migrate").
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"portal.db.migrate").digest()[:8], "big", signed=True)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migration scripts and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest migration the code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; safe to run on every start, and from many at once.

    On PostgreSQL a transaction-scoped advisory lock makes pods that start together (init
    containers, a scaled-up deployment) migrate one at a time; the later ones find the schema done.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.info("database schema upgraded", extra={"revision": current_revision(engine)})


def upgrade_url(url: str) -> SchemaStatus:
    """Upgrade the database at ``url`` with a short-lived engine (CLI, tests, benchmarks)."""
    engine = create_engine(url)
    try:
        upgrade(engine)
        return status(engine)
    finally:
        engine.dispose()


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Step the schema back, for rolling back a deployment."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@dataclasses.dataclass(frozen=True)
class SchemaStatus:
    """Where the database schema is against what the code expects."""

    current: str | None
    head: str | None
    known: bool = True

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def ahead(self) -> bool:
        """At a revision this code has no script for: a newer release has already migrated it."""
        return self.current is not None and not self.known

    @property
    def servable(self) -> bool:
        """Whether this code may serve: at its head, or behind a newer release's additive migrations.

        An upgrade migrates before the rolling update, so the old release's pods keep serving
        until the new ones are ready; that is why migrations must stay compatible one release back.
        """
        return self.up_to_date or self.ahead

    def describe(self) -> str:
        if self.up_to_date:
            return f"schema at {self.current}"
        if self.ahead:
            return f"schema at {self.current}, newer than this code's {self.head} (a newer release's)"
        return f"schema at {self.current or 'nothing'}, code expects {self.head}: run `portal db upgrade`"


def status(engine: sa.Engine) -> SchemaStatus:
    current = current_revision(engine)
    return SchemaStatus(current, head_revision(), current is None or _known(current))


def _known(revision: str) -> bool:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:  # "Can't locate revision identified by ..."
        return False
