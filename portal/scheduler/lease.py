"""The per-job lock a scheduler holds while it claims and runs one due fire.

PostgreSQL: a session advisory lock, which covers every replica on the database. SQLite: a
``flock`` beside the database file (the data dir by default), which covers every process on the
host that uses that file. Taken per run, never held as a standing leadership, so when the
scheduler that ran the last job dies, any other one takes the next.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path

import sqlalchemy as sa

from portal.config import Settings
from portal.reports.locks import advisory_lock, file_lock

NAMESPACE = "portal.scheduler"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")


def lock_folder(settings: Settings, engine: sa.Engine) -> Path:
    """Beside the SQLite file, so two data dirs that share one database file still share the locks."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        return Path(database).resolve().parent / "scheduler-locks"
    return Path(settings.data_dir) / "scheduler-locks"


def job_lock(settings: Settings, engine: sa.Engine, key: str) -> AbstractContextManager[None]:
    """Held without waiting; :class:`~portal.reports.locks.AlreadyRunning` when another scheduler has it."""
    busy = f"another scheduler holds {key}"
    if engine.dialect.name == "postgresql":
        return advisory_lock(engine, key, busy, namespace=NAMESPACE)
    return file_lock(lock_folder(settings, engine) / f"{_UNSAFE.sub('_', key)}.lock", busy)
