"""Throwaway databases on the real PostgreSQL named by PORTAL_TEST_DATABASE_URL.

Each test gets its own freshly created database, so parallel runs and earlier failures
never leave tables behind for the next test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

SKIP_REASON = "PORTAL_TEST_DATABASE_URL is not set: no PostgreSQL answered on 127.0.0.1:5432"


def postgres_url() -> str:
    """The configured server URL, or a pytest skip that says why."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not url:
        pytest.skip(SKIP_REASON)
    return url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database next to the configured one; yield its URL; drop it afterwards."""
    server = sa.make_url(postgres_url())
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
