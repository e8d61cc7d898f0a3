"""Engines for the portal database, tuned to fail fast: a dead database must not hang web workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa


def create_engine(url: str) -> sa.Engine:
    """An engine with short timeouts, so a dead database fails fast instead of hanging workers."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 15})
        sa.event.listen(engine, "connect", _sqlite_write_ahead_log)
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=5,
        connect_args=_connect_timeout_args(url),
    )


# WAL lets pages read while a worker writes; synchronous=FULL fsyncs the log at every commit, so a
# committed (acknowledged) prediction survives a power cut too, and group commit shares that fsync.
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL")


def _sqlite_write_ahead_log(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _connect_timeout_args(url: str) -> dict[str, Any]:
    if url.startswith("postgresql"):
        return {"connect_timeout": 3}
    return {}
