"""A cross-process guard so one report never runs twice at once, whoever started it.

A ``flock`` on a file in the data dir covers every process on the host; on PostgreSQL a session
advisory lock also covers other hosts (a scheduler pod and a CronJob pod sharing one database).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa


class AlreadyRunning(Exception):
    """Another process holds this report's lock."""


def _busy(report: str) -> AlreadyRunning:
    return AlreadyRunning(f"another run of report {report!r} is in progress")


@contextmanager
def _file_lock(data_dir: Path, report: str) -> Iterator[None]:
    """The kernel drops the lock when the holder dies, so a crashed run cannot block the next one."""
    folder = Path(data_dir) / "reports" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{report}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(report) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def advisory_key(report: str) -> int:
    """A stable signed 64-bit key per report name, for ``pg_try_advisory_lock``."""
    digest = hashlib.sha256(f"portal.report:{report}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _postgres_lock(engine: sa.Engine, report: str) -> Iterator[None]:
    """Held by one open connection; PostgreSQL releases it if that session dies."""
    with engine.connect() as connection:
        key = advisory_key(report)
        if not connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            raise _busy(report)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()


@contextmanager
def report_lock(data_dir: Path, report: str, engine: sa.Engine | None = None) -> Iterator[None]:
    """Hold the report's locks without waiting; :class:`AlreadyRunning` if anyone else holds one."""
    with ExitStack() as stack:
        stack.enter_context(_file_lock(data_dir, report))
        if engine is not None and engine.dialect.name == "postgresql":
            stack.enter_context(_postgres_lock(engine, report))
        yield
