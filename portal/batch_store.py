"""Where batch jobs live: a row in ``batch_jobs`` and a folder under ``<data dir>/batches/<id>``.

Status changes are conditional updates, so a cancel and a finishing job cannot both win. A job
still ``running`` whose heartbeat stopped (its worker died) is turned into ``failed`` when read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.db.batches import batch_jobs

log = logging.getLogger(__name__)

STALE_SECONDS = 120
_BATCH_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_STEM = "upload"
ERRORS_CSV = "validation_errors.csv"
DEAD_WORKER = (
    "the scoring worker stopped without finishing (no progress for {seconds} s); score the file again"
)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(stamp: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; they were stored in UTC."""
    if stamp is None or stamp.tzinfo is not None:
        return stamp
    return stamp.replace(tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Batch:
    """One batch job as the pages show it."""

    batch_id: str
    file_name: str
    file_bytes: int
    model_name: str
    model_version: int | None
    user_name: str
    status: str
    rows_total: int | None
    rows_done: int
    error_count: int
    message: str
    created_at: dt.datetime
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Batch:
        data = dict(row._mapping)
        for key in ("created_at", "heartbeat_at", "finished_at"):
            data[key] = _aware(data[key])
        return cls(**data)


class BatchStore:
    """Batch rows and folders; ``root`` is shared by web and job workers."""

    def __init__(self, engine: sa.Engine, root: Path) -> None:
        self.engine = engine
        self.root = root

    def folder(self, batch_id: str) -> Path:
        if not _BATCH_ID.fullmatch(batch_id or ""):
            raise KeyError(batch_id)
        return self.root / batch_id

    def upload_path(self, batch_id: str, kind_suffix: str) -> Path:
        return self.folder(batch_id) / f"{UPLOAD_STEM}{kind_suffix}"

    def find_upload(self, batch_id: str) -> Path | None:
        folder = self.folder(batch_id)
        found = sorted(p for p in folder.glob(f"{UPLOAD_STEM}.*") if not p.name.endswith(".part"))
        return found[0] if found else None

    def new_id(self) -> str:
        return uuid.uuid4().hex

    def create(self, batch_id: str, file_name: str, file_bytes: int, model_name: str, user: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                batch_jobs.insert().values(
                    batch_id=batch_id,
                    file_name=file_name[:300],
                    file_bytes=file_bytes,
                    model_name=model_name,
                    user_name=user,
                    status="pending",
                    created_at=now(),
                )
            )

    def get(self, batch_id: str) -> Batch | None:
        if not _BATCH_ID.fullmatch(batch_id or ""):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(batch_jobs).where(batch_jobs.c.batch_id == batch_id)).first()
        if row is None:
            return None
        batch = Batch.from_row(row)
        if batch.status == "running" and self._stale(batch):
            self.finish(batch_id, "failed", DEAD_WORKER.format(seconds=STALE_SECONDS), expect="running")
            return self.get(batch_id)
        return batch

    def recent(self, limit: int = 200) -> list[Batch]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(batch_jobs).order_by(batch_jobs.c.created_at.desc()).limit(limit)
            ).all()
        batches = [Batch.from_row(row) for row in rows]
        if any(b.status == "running" and self._stale(b) for b in batches):
            for batch in batches:
                if batch.status == "running" and self._stale(batch):
                    self.get(batch.batch_id)
            return self.recent(limit)
        return batches

    @staticmethod
    def _stale(batch: Batch) -> bool:
        beat = batch.heartbeat_at or batch.created_at
        return (now() - beat).total_seconds() > STALE_SECONDS

    def _update(self, batch_id: str, expect: tuple[str, ...] | None, **values: Any) -> bool:
        statement = batch_jobs.update().where(batch_jobs.c.batch_id == batch_id)
        if expect is not None:
            statement = statement.where(batch_jobs.c.status.in_(expect))
        with self.engine.begin() as connection:
            return connection.execute(statement.values(**values)).rowcount == 1

    def validated(self, batch_id: str, rows: int, errors: int) -> None:
        self._update(batch_id, None, rows_total=rows, error_count=errors)

    def start(self, batch_id: str, version: int, rows_total: int | None) -> bool:
        """Claim the batch for scoring; False when it is already running or finished."""
        return self._update(
            batch_id,
            ("pending", "failed", "cancelled"),
            status="running",
            model_version=version,
            rows_total=rows_total,
            rows_done=0,
            message="",
            heartbeat_at=now(),
            finished_at=None,
        )

    def heartbeat(self, batch_id: str, rows_done: int) -> bool:
        """Record progress; False when the batch is no longer running (it was cancelled)."""
        return self._update(batch_id, ("running",), rows_done=rows_done, heartbeat_at=now())

    def finish(
        self, batch_id: str, status: str, message: str = "", expect: str = "running", **values: Any
    ) -> bool:
        return self._update(batch_id, (expect,), status=status, message=message, finished_at=now(), **values)

    def cancel(self, batch_id: str) -> bool:
        """Mark a running batch cancelled and drop any partial result."""
        changed = self.finish(batch_id, "cancelled", "cancelled by the user")
        if changed:
            for part in self.folder(batch_id).glob("*.part"):
                part.unlink(missing_ok=True)
        return changed

    def cleanup(self, retention_days: int) -> int:
        """Remove the files of batches older than the retention period; their rows say ``expired``."""
        cutoff = now() - dt.timedelta(days=retention_days)
        with self.engine.connect() as connection:
            old = (
                connection.execute(
                    sa.select(batch_jobs.c.batch_id).where(
                        batch_jobs.c.created_at < cutoff, batch_jobs.c.status != "expired"
                    )
                )
                .scalars()
                .all()
            )
        for batch_id in old:
            shutil.rmtree(self.folder(batch_id), ignore_errors=True)
            self._update(
                batch_id, None, status="expired", message=f"files removed after {retention_days} days"
            )
        if old:
            log.info("expired old batches", extra={"count": len(old)})
        return len(old)
