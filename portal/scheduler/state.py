"""The scheduler's persistent state: each job's next run, the fate of every fire, each instance's tick.

Any number of schedulers share these rows. Inserts and retirements are idempotent, and the claim
of a due run (:func:`claim`) is made only while holding that job's lock, so exactly one scheduler
runs or skips each fire, and a restarted one finds what fell due while it was down.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.db.scheduler import scheduler_instances, scheduler_jobs, scheduler_runs
from portal.scheduler import timing
from portal.scheduler.jobs import JobResult, ScheduledJob

INTERRUPTED = "interrupted: the scheduler running it stopped before it finished"
RUN_HISTORY_DAYS = 30
INSTANCE_HISTORY_DAYS = 7


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the zone; every time here is stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Instance:
    """A scheduler process as the others see it: ``id`` is unique per process (per host for ticks)."""

    id: str
    host: str
    pid: int
    role: str  # gunicorn (beside the web server), schedule (its own process), tick (one-shot)


@dataclasses.dataclass(frozen=True)
class JobRow:
    job: str
    kind: str
    name: str
    origin: str
    schedule: str
    timezone: str
    active: bool
    next_run_at: dt.datetime | None
    last_scheduled_for: dt.datetime | None
    last_started_at: dt.datetime | None
    last_status: str | None
    last_detail: str | None
    last_instance: str | None


@dataclasses.dataclass(frozen=True)
class Claim:
    """A due fire this scheduler now owns: run it (``run_id`` is its record) or it was skipped."""

    run_id: int
    due: timing.Due
    late: dt.timedelta
    skipped: str | None  # the reason, when the fire is skipped instead of run


def _job_row(row: Any) -> JobRow:
    values = dict(row._mapping)
    for key in ("next_run_at", "last_scheduled_for", "last_started_at"):
        values[key] = utc(values[key])
    values.pop("updated_at", None)
    return JobRow(**values)


def job_rows(engine: sa.Engine) -> dict[str, JobRow]:
    with engine.connect() as connection:
        return {row.job: _job_row(row) for row in connection.execute(sa.select(scheduler_jobs))}


def _insert(engine: sa.Engine, table: sa.Table):
    """An INSERT that can say ON CONFLICT in this database's dialect."""
    return (postgresql if engine.dialect.name == "postgresql" else sqlite).insert(table)


def sync(
    engine: sa.Engine, jobs: Mapping[str, ScheduledJob], origins: Collection[str], now: dt.datetime
) -> None:
    """Register new jobs, recompute changed schedules, retire removed jobs of the ``origins`` read here.

    A new, changed or returning job's first run is its first fire after ``now``: fires from before it
    was defined (or while it was removed) are not owed.
    """
    existing = job_rows(engine)
    stamp = wall_clock()
    with engine.begin() as connection:
        for key, job in jobs.items():
            row = existing.get(key)
            if (
                row is not None
                and row.active
                and (row.schedule, row.timezone, row.origin) == (*job.timing, job.origin)
            ):
                continue
            values = {
                "schedule": job.schedule,
                "timezone": job.timezone,
                "origin": job.origin,
                "active": True,
                "next_run_at": timing.next_fire_after(job.schedule, job.timezone, now),
                "updated_at": stamp,
            }
            if row is None:
                statement = _insert(engine, scheduler_jobs).values(
                    job=key, kind=job.kind, name=job.name, **values
                )
                connection.execute(statement.on_conflict_do_nothing(index_elements=["job"]))
            else:
                c = scheduler_jobs.c
                changed = sa.or_(
                    c.schedule != job.schedule,
                    c.timezone != job.timezone,
                    c.origin != job.origin,
                    c.active.is_(False),
                )
                connection.execute(scheduler_jobs.update().where(c.job == key, changed).values(**values))
        for key, row in existing.items():
            if row.active and row.origin in origins and key not in jobs:
                connection.execute(
                    scheduler_jobs.update()
                    .where(scheduler_jobs.c.job == key, scheduler_jobs.c.active.is_(True))
                    .values(active=False, next_run_at=None, updated_at=stamp)
                )


def due(engine: sa.Engine, now: dt.datetime) -> list[str]:
    """Keys of active jobs whose next run is at or before ``now``, most overdue first."""
    c = scheduler_jobs.c
    query = (
        sa.select(c.job)
        .where(c.active.is_(True), c.next_run_at.is_not(None), c.next_run_at <= now)
        .order_by(c.next_run_at)
    )
    with engine.connect() as connection:
        return list(connection.scalars(query))


def _skip_reason(due_at: dt.datetime, result: timing.Due, now: dt.datetime, grace: dt.timedelta) -> str:
    late_minutes = (now - result.latest).total_seconds() / 60
    grace_minutes = grace.total_seconds() / 60
    fires = "" if result.fires == 1 else f" ({result.describe_fires()} runs from {due_at:%Y-%m-%d %H:%M} UTC)"
    return (
        f"missed: due at {result.latest:%Y-%m-%d %H:%M} UTC{fires} while no scheduler was running; "
        f"{late_minutes:.0f} min late is beyond the grace time of {grace_minutes:.0f} min "
        "(PORTAL_SCHEDULER_GRACE_MINUTES)"
    )


def claim(
    engine: sa.Engine, job: ScheduledJob, now: dt.datetime, grace: dt.timedelta, instance: Instance
) -> Claim | None:
    """Take the due fire of ``job`` (call with the job's lock held); None when it is no longer due."""
    with engine.begin() as connection:
        row = connection.execute(sa.select(scheduler_jobs).where(scheduler_jobs.c.job == job.key)).first()
        if row is None:
            return None
        current = _job_row(row)
        if not current.active or current.next_run_at is None or current.next_run_at > now:
            return None
        if (current.schedule, current.timezone) != job.timing:
            return None  # the definition changed under us; the next sync recomputes the next run
        result = timing.decide(job.schedule, job.timezone, current.next_run_at, now, grace)
        late = now - result.latest
        started = wall_clock()
        # Under the job's lock nobody else can be running it: a row still "running" was left by a crash.
        connection.execute(
            scheduler_runs.update()
            .where(scheduler_runs.c.job == job.key, scheduler_runs.c.status == "running")
            .values(status="failed", detail=INTERRUPTED, finished_at=started)
        )
        skipped = None if result.runnable else _skip_reason(current.next_run_at, result, now, grace)
        scheduled_for = result.latest if result.runnable or not result.more else current.next_run_at
        inserted = connection.execute(
            scheduler_runs.insert().values(
                job=job.key,
                kind=job.kind,
                name=job.name,
                scheduled_for=scheduled_for,
                started_at=started,
                finished_at=started if skipped else None,
                status="skipped" if skipped else "running",
                late_seconds=round(late.total_seconds(), 3),
                coalesced=result.fires - 1,
                detail=skipped,
                instance=instance.id,
            )
        )
        connection.execute(
            scheduler_jobs.update()
            .where(scheduler_jobs.c.job == job.key)
            .values(
                next_run_at=result.next_run,
                last_scheduled_for=scheduled_for,
                last_started_at=started,
                last_status="skipped" if skipped else "running",
                last_detail=skipped,
                last_instance=instance.id,
                updated_at=started,
            )
        )
        return Claim(int(inserted.inserted_primary_key[0]), result, late, skipped)


def finish(engine: sa.Engine, job: ScheduledJob, run_id: int, result: JobResult) -> None:
    """Record how a claimed run ended, on its record and (if still the latest) on the job."""
    status = "succeeded" if result.ok else "failed"
    ended = wall_clock()
    with engine.begin() as connection:
        connection.execute(
            scheduler_runs.update()
            .where(scheduler_runs.c.id == run_id)
            .values(status=status, detail=result.detail, finished_at=ended)
        )
        scheduled_for = connection.execute(
            sa.select(scheduler_runs.c.scheduled_for).where(scheduler_runs.c.id == run_id)
        ).scalar_one()
        connection.execute(
            scheduler_jobs.update()
            .where(
                scheduler_jobs.c.job == job.key,
                scheduler_jobs.c.last_scheduled_for == scheduled_for,
                scheduler_jobs.c.last_status == "running",
            )
            .values(last_status=status, last_detail=result.detail, updated_at=ended)
        )


def heartbeat(engine: sa.Engine, instance: Instance, problem: str | None) -> None:
    """Say this instance is alive (and what keeps it from seeing every definition, if anything)."""
    at = wall_clock()
    statement = _insert(engine, scheduler_instances).values(
        instance=instance.id,
        host=instance.host,
        pid=instance.pid,
        role=instance.role,
        started_at=at,
        last_tick_at=at,
        stopped_at=None,
        problem=problem,
    )
    update = {"last_tick_at": at, "stopped_at": None, "problem": problem, "pid": instance.pid}
    with engine.begin() as connection:
        connection.execute(statement.on_conflict_do_update(index_elements=["instance"], set_=update))


def stopped(engine: sa.Engine, instance: Instance) -> None:
    with engine.begin() as connection:
        connection.execute(
            scheduler_instances.update()
            .where(scheduler_instances.c.instance == instance.id)
            .values(stopped_at=wall_clock())
        )


def prune(engine: sa.Engine) -> None:
    """Forget fires older than RUN_HISTORY_DAYS and instances silent for INSTANCE_HISTORY_DAYS."""
    at = wall_clock()
    with engine.begin() as connection:
        connection.execute(
            scheduler_runs.delete().where(
                scheduler_runs.c.started_at < at - dt.timedelta(days=RUN_HISTORY_DAYS),
                scheduler_runs.c.status != "running",
            )
        )
        connection.execute(
            scheduler_instances.delete().where(
                scheduler_instances.c.last_tick_at < at - dt.timedelta(days=INSTANCE_HISTORY_DAYS)
            )
        )
