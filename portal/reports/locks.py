"""Cross-process guards: one report never runs twice at once, and one scheduler claims each due run.

A ``flock`` on a file covers every process on the host; on PostgreSQL a session advisory lock also
covers other hosts (a scheduler pod and a CronJob pod sharing one database). Both are released by
the kernel or the server when their holder dies, so a crash never leaves a lock behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as sa

REPORT_NAMESPACE = "portal.report"


class AlreadyRunning(Exception):
    """Another process holds this lock."""


def _busy(report: str) -> AlreadyRunning:
    return AlreadyRunning(f"another run of report {report!r} is in progress")


@contextmanager
def file_lock(path: Path, busy: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` without waiting; :class:`AlreadyRunning` (``busy``) if held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(busy) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


def advisory_key(name: str, namespace: str = REPORT_NAMESPACE) -> int:
    """A stable signed 64-bit key per name, for ``pg_try_advisory_lock``."""
    digest = hashlib.sha256(f"{namespace}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(
    engine: sa.Engine, name: str, busy: str, namespace: str = REPORT_NAMESPACE
) -> Iterator[None]:
    """Held by one open connection; PostgreSQL releases it if that session dies."""
    with engine.connect() as connection:
        key = advisory_key(name, namespace)
        if not connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            raise AlreadyRunning(busy)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()


@contextmanager
def report_lock(data_dir: Path, report: str, engine: sa.Engine | None = None) -> Iterator[None]:
    """Hold the report's locks without waiting; :class:`AlreadyRunning` if anyone else holds one."""
    busy = str(_busy(report))
    with ExitStack() as stack:
        stack.enter_context(file_lock(Path(data_dir) / "reports" / "locks" / f"{report}.lock", busy))
        if engine is not None and engine.dialect.name == "postgresql":
            stack.enter_context(advisory_lock(engine, report, busy))
        yield
