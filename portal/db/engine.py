"""Engines for the portal database, tuned to fail fast: a dead database must not hang web workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa


def create_engine(url: str) -> sa.Engine:
    """An engine with short timeouts, so a dead database fails fast instead of hanging workers."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, connect_args={"timeout": 15})
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=5,
        connect_args=_connect_timeout_args(url),
    )


def _connect_timeout_args(url: str) -> dict[str, Any]:
    if url.startswith("postgresql"):
        return {"connect_timeout": 3}
    return {}
