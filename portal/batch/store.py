"""Where batch jobs live: a folder under ``<data dir>/batches/<id>`` whose manifest is the job's truth.

Every state change is made on the manifest (``portal.batch.manifest``) under the batch's lock, so
a cancel and a finishing job cannot both win, and a batch can be uploaded, validated, scored and
downloaded while the database is down. The ``batch_jobs`` row mirrors the manifest: it is upserted
after each change, and when the database does not answer the batch is marked unsynced and
``sync`` upserts it later (a primary-key upsert of the latest state, so exactly one row). A job
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
from sqlalchemy.dialects import postgresql, sqlite

from models.cool_down import CoolDown
from portal.batch import manifest
from portal.db.batches import batch_jobs

log = logging.getLogger(__name__)

STALE_SECONDS = 120
_BATCH_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_STEM = "upload"
ERRORS_CSV = "validation_errors.csv"
UNSYNCED = ".unsynced"
DEAD_WORKER = (
    "the scoring worker stopped without finishing (no progress for {seconds} s); score the file again"
)
# Per process and engine: skip the database for a moment after it failed, so jobs stay fast.
_database_cool_down = CoolDown()


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
    def from_mapping(cls, data: Any) -> Batch:
        values = {field.name: data[field.name] for field in dataclasses.fields(cls)}
        for key in manifest.STAMPS:
            values[key] = _aware(values[key])
        return cls(**values)

    @classmethod
    def from_row(cls, row: Any) -> Batch:
        return cls.from_mapping(row._mapping)


@dataclasses.dataclass(frozen=True)
class History:
    """Batches for the Batches page; ``complete`` is False when the database could not be read."""

    batches: list[Batch]
    complete: bool


class BatchStore:
    """Batch folders (the truth) and their ``batch_jobs`` rows; ``root`` is shared by web and job workers."""

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

    # -- reading ----------------------------------------------------------------------------------
    def create(self, batch_id: str, file_name: str, file_bytes: int, model_name: str, user: str) -> None:
        """Record a new upload in its (existing) folder; the database row follows when it can."""
        batch = Batch(
            batch_id=batch_id,
            file_name=file_name[:300],
            file_bytes=file_bytes,
            model_name=model_name,
            model_version=None,
            user_name=user,
            status="pending",
            rows_total=None,
            rows_done=0,
            error_count=0,
            message="",
            created_at=now(),
            heartbeat_at=None,
            finished_at=None,
        )
        folder = self.folder(batch_id)
        with manifest.locked(folder):
            manifest.write(folder, dataclasses.asdict(batch))
            self._mirror(batch)

    def get(self, batch_id: str) -> Batch | None:
        if not _BATCH_ID.fullmatch(batch_id or ""):
            return None
        data = manifest.read(self.folder(batch_id))
        if data is None:
            return self._row(batch_id)
        batch = Batch.from_mapping(data)
        if batch.status == "running" and self._stale(batch):
            self.finish(batch_id, "failed", DEAD_WORKER.format(seconds=STALE_SECONDS), expect="running")
            return self.get(batch_id)
        return batch

    def _row(self, batch_id: str) -> Batch | None:
        """A batch known only to the database (its folder expired); None while the database is down."""
        try:
            with self.engine.connect() as connection:
                row = connection.execute(
                    sa.select(batch_jobs).where(batch_jobs.c.batch_id == batch_id)
                ).first()
        except sa.exc.SQLAlchemyError:
            return None
        return None if row is None else Batch.from_row(row)

    def on_disk(self) -> list[Batch]:
        """Every batch that still has a folder, read from its manifest."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in self.root.iterdir():
            if _BATCH_ID.fullmatch(folder.name):
                data = manifest.read(folder)
                if data is not None:
                    found.append(Batch.from_mapping(data))
        return found

    def history(self, limit: int = 200) -> History:
        """Newest first: folders on disk, plus rows of older batches when the database answers."""
        batches = {batch.batch_id: batch for batch in self.on_disk()}
        complete = True
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(batch_jobs).order_by(batch_jobs.c.created_at.desc()).limit(limit)
                ).all()
            for row in rows:
                batches.setdefault(row.batch_id, Batch.from_row(row))
        except sa.exc.SQLAlchemyError as exc:
            complete = False
            log.warning("batch history read from disk only", extra={"error": type(exc).__name__})
        for batch in list(batches.values()):
            if batch.status == "running" and self._stale(batch):
                batches[batch.batch_id] = self.get(batch.batch_id) or batch
        ordered = sorted(batches.values(), key=lambda b: b.created_at, reverse=True)
        return History(ordered[:limit], complete)

    def recent(self, limit: int = 200) -> list[Batch]:
        return self.history(limit).batches

    @staticmethod
    def _stale(batch: Batch) -> bool:
        beat = batch.heartbeat_at or batch.created_at
        return (now() - beat).total_seconds() > STALE_SECONDS

    # -- changing state ---------------------------------------------------------------------------
    def _update(self, batch_id: str, expect: tuple[str, ...] | None, **values: Any) -> bool:
        """Change the manifest when its status is one of ``expect``; mirror it to the database."""
        folder = self.folder(batch_id)
        if not (folder / manifest.MANIFEST).exists():
            return self._update_row(batch_id, expect, **values)
        with manifest.locked(folder):
            data = manifest.read(folder)
            if data is None or (expect is not None and data["status"] not in expect):
                return False
            data.update(values)
            manifest.write(folder, data)
            self._mirror(Batch.from_mapping(data))
        return True

    def _update_row(self, batch_id: str, expect: tuple[str, ...] | None, **values: Any) -> bool:
        """Batches from before manifests existed live only in the database."""
        statement = batch_jobs.update().where(batch_jobs.c.batch_id == batch_id)
        if expect is not None:
            statement = statement.where(batch_jobs.c.status.in_(expect))
        try:
            with self.engine.begin() as connection:
                return connection.execute(statement.values(**values)).rowcount == 1
        except sa.exc.SQLAlchemyError:
            return False

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
            for part in self.folder(batch_id).glob("result*.part"):
                part.unlink(missing_ok=True)
        return changed

    def cleanup(self, retention_days: int) -> int:
        """Remove the files of batches older than the retention period; they are listed as ``expired``."""
        cutoff = now() - dt.timedelta(days=retention_days)
        message = f"files removed after {retention_days} days"
        old = {b.batch_id for b in self.on_disk() if b.created_at < cutoff and b.status != "expired"}
        try:
            with self.engine.connect() as connection:
                old.update(
                    connection.execute(
                        sa.select(batch_jobs.c.batch_id).where(
                            batch_jobs.c.created_at < cutoff, batch_jobs.c.status != "expired"
                        )
                    ).scalars()
                )
        except sa.exc.SQLAlchemyError:
            pass  # batches on disk still expire; rows without folders wait for the database
        for batch_id in sorted(old):
            self._expire(batch_id, message)
        if old:
            log.info("expired old batches", extra={"count": len(old)})
        return len(old)

    def _expire(self, batch_id: str, message: str) -> None:
        """Delete the files; the manifest stays (with status ``expired``) until the row has it too."""
        folder = self.folder(batch_id)
        if not (folder / manifest.MANIFEST).exists():
            shutil.rmtree(folder, ignore_errors=True)
            self._update_row(batch_id, None, status="expired", message=message)
            return
        with manifest.locked(folder):
            for path in folder.iterdir():
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                elif path.name not in (manifest.MANIFEST, manifest.LOCK):
                    path.unlink(missing_ok=True)
            data = manifest.read(folder) or {}
            data.update(status="expired", message=message)
            manifest.write(folder, data)
            synced = self._mirror(Batch.from_mapping(data))
        if synced:
            shutil.rmtree(folder, ignore_errors=True)

    # -- the database mirror ----------------------------------------------------------------------
    def _mirror(self, batch: Batch) -> bool:
        """Upsert the batch's row (caller holds its lock); on failure, leave it for ``sync``."""
        marker = self.root / UNSYNCED / batch.batch_id
        if _database_cool_down.active(id(self.engine)):
            _mark(marker)
            return False
        try:
            with self.engine.begin() as connection:
                connection.execute(self._upsert(batch))
        except sa.exc.SQLAlchemyError as exc:
            _database_cool_down.start(id(self.engine))
            log.warning(
                "batch state kept on disk; database unavailable",
                extra={"batch_id": batch.batch_id, "error": type(exc).__name__},
            )
            _mark(marker)
            return False
        _database_cool_down.clear(id(self.engine))
        marker.unlink(missing_ok=True)
        return True

    def _upsert(self, batch: Batch) -> Any:
        values = dataclasses.asdict(batch)
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(batch_jobs).values(**values)
        changed = {key: value for key, value in values.items() if key != "batch_id"}
        return statement.on_conflict_do_update(index_elements=["batch_id"], set_=changed)

    def unsynced(self) -> list[str]:
        """Batches whose latest state has not reached the database yet."""
        markers = self.root / UNSYNCED
        return sorted(p.name for p in markers.iterdir()) if markers.is_dir() else []

    def sync(self) -> int:
        """Upsert every unsynced batch's latest state; returns how many rows were written."""
        sent = 0
        for batch_id in self.unsynced():
            marker = self.root / UNSYNCED / batch_id
            folder = self.folder(batch_id)
            if not folder.is_dir():
                marker.unlink(missing_ok=True)
                continue
            with manifest.locked(folder):
                data = manifest.read(folder)
                if data is None:
                    marker.unlink(missing_ok=True)
                    continue
                if not self._mirror(Batch.from_mapping(data)):
                    return sent
            sent += 1
            if data["status"] == "expired":
                shutil.rmtree(folder, ignore_errors=True)
        if sent:
            log.info("batch rows written after the database returned", extra={"count": sent})
        return sent


def _mark(marker: Path) -> None:
    if not marker.exists():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        manifest.fsync_dir(marker.parent)
