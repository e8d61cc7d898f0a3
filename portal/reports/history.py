"""Report run history in the ``report_runs`` table: what ran, when, how long, and why it failed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from portal.db.report_runs import report_runs

ACTIVE = ("queued", "running")
TRIGGERS = ("schedule", "cli", "page")
# A scheduled run the scheduler did not start (it was missed by more than the grace time).
SKIPPED = "skipped"


@dataclasses.dataclass(frozen=True)
class Run:
    """One row of the history, as the page, the CLI and the download route read it."""

    id: int
    report: str
    trigger: str
    status: str
    started_at: dt.datetime
    duration_seconds: float | None
    progress: str
    error: str | None
    outputs: list[str]
    deliveries: list[dict[str, Any]]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def runs_dir(data_dir: Path) -> Path:
    """Where run outputs live: ``<data dir>/reports/runs/<run id>/<file>``."""
    return Path(data_dir) / "reports" / "runs"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create(engine: sa.Engine, report: str, trigger: str, status: str = "running") -> int:
    """Record a new run and return its id."""
    with engine.begin() as connection:
        result = connection.execute(
            report_runs.insert().values(
                report=report,
                trigger=trigger,
                status=status,
                started_at=now(),
                progress="queued" if status == "queued" else "starting",
                outputs=[],
                deliveries=[],
            )
        )
        return int(result.inserted_primary_key[0])


def record_skipped(engine: sa.Engine, report: str, reason: str) -> int:
    """Record a scheduled run that was not started, with the reason, so the history shows the gap."""
    with engine.begin() as connection:
        result = connection.execute(
            report_runs.insert().values(
                report=report,
                trigger="schedule",
                status=SKIPPED,
                started_at=now(),
                progress="",
                error=reason,
                outputs=[],
                deliveries=[],
            )
        )
        return int(result.inserted_primary_key[0])


def update(engine: sa.Engine, run_id: int, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(report_runs.update().where(report_runs.c.id == run_id).values(**values))


def get(engine: sa.Engine, run_id: int) -> Run | None:
    with engine.connect() as connection:
        row = connection.execute(sa.select(report_runs).where(report_runs.c.id == run_id)).mappings().first()
    return _run(row) if row else None


def recent(
    engine: sa.Engine, limit: int = 50, report: str | None = None, among: Collection[str] | None = None
) -> list[Run]:
    """Newest first; ``among`` keeps only runs of those reports (a subscriber's own)."""
    query = sa.select(report_runs).order_by(report_runs.c.id.desc()).limit(limit)
    if report:
        query = query.where(report_runs.c.report == report)
    if among is not None:
        query = query.where(report_runs.c.report.in_(sorted(among)))
    with engine.connect() as connection:
        return [_run(row) for row in connection.execute(query).mappings()]


def abandon_orphans(engine: sa.Engine, report: str, keep: int) -> int:
    """Mark runs left queued/running by a process that died as failed; called while holding the lock."""
    with engine.begin() as connection:
        result = connection.execute(
            report_runs.update()
            .where(
                report_runs.c.report == report,
                report_runs.c.status.in_(ACTIVE),
                report_runs.c.id != keep,
            )
            .values(status="failed", error="interrupted: the process running it stopped", progress="")
        )
        return result.rowcount or 0


def _run(row: Any) -> Run:
    started = row["started_at"]
    if started.tzinfo is None:  # SQLite drops the zone; we always store UTC
        started = started.replace(tzinfo=dt.UTC)
    return Run(
        id=row["id"],
        report=row["report"],
        trigger=row["trigger"],
        status=row["status"],
        started_at=started,
        duration_seconds=row["duration_seconds"],
        progress=row["progress"] or "",
        error=row["error"],
        outputs=list(row["outputs"] or []),
        deliveries=list(row["deliveries"] or []),
    )
