"""The scheduler's state as people see it (``/readyz``, the Home page, ``portal report status``).

Read from the shared tables, so every replica shows the same answer: which schedulers tick, which
one ran the latest due job (the leader of the moment: the lock is taken per run), and which runs
were missed. It is informational: readiness never depends on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from portal.config import Settings
from portal.db.scheduler import scheduler_instances, scheduler_jobs, scheduler_runs
from portal.scheduler.loop import CATCH_UP_SECONDS, TICK_SECONDS
from portal.scheduler.state import utc, wall_clock

# An instance whose last tick is older than this is shown as not live (it died or stopped).
LIVE_SECONDS = 3 * TICK_SECONDS + 15
MISSED_WINDOW = dt.timedelta(hours=24)
LATEST_MISSED = 5


def _iso(value: dt.datetime | None) -> str | None:
    value = utc(value)
    return value.isoformat(timespec="seconds") if value else None


def scheduler_state(settings: Settings, engine: sa.Engine, now: dt.datetime | None = None) -> dict[str, Any]:
    """A JSON-ready summary; a database that cannot answer gives ``state: unknown`` with the reason."""
    now = now or wall_clock()
    here = "on" if settings.scheduler else "off"
    try:
        with engine.connect() as connection:
            return {"here": here, **_read(connection, now)}
    except sa.exc.SQLAlchemyError as exc:
        return {
            "here": here,
            "state": "unknown",
            "error": f"cannot read the scheduler's state: {type(exc).__name__}",
        }


def _read(connection: sa.Connection, now: dt.datetime) -> dict[str, Any]:
    i = scheduler_instances.c
    rows = connection.execute(
        sa.select(scheduler_instances)
        .where(i.last_tick_at >= now - MISSED_WINDOW)
        .order_by(i.last_tick_at.desc())
    ).all()
    live_after = now - dt.timedelta(seconds=LIVE_SECONDS)
    instances = [
        {
            "instance": row.instance,
            "host": row.host,
            "pid": row.pid,
            "role": row.role,
            "last_tick_at": _iso(row.last_tick_at),
            "live": row.stopped_at is None and utc(row.last_tick_at) >= live_after,
            "stopped_at": _iso(row.stopped_at),
            **({"problem": row.problem} if row.problem else {}),
        }
        for row in rows
    ]
    live = [item for item in instances if item["live"]]
    return {
        "state": "running" if live else "not running",
        "instances": instances,
        "last_tick": {"at": instances[0]["last_tick_at"], "instance": instances[0]["instance"]}
        if instances
        else None,
        "leader": _leader(connection, {item["instance"] for item in live}),
        "jobs": _jobs(connection),
        "missed_runs": _missed(connection, now),
        "problems": sorted({item["problem"] for item in live if "problem" in item}),
    }


def _leader(connection: sa.Connection, live: set[str]) -> dict[str, Any] | None:
    """The instance that claimed the latest due run: it holds the lead until another claims one."""
    r = scheduler_runs.c
    row = connection.execute(sa.select(scheduler_runs).order_by(r.id.desc()).limit(1)).first()
    if row is None:
        return None
    owner = connection.execute(
        sa.select(scheduler_instances).where(scheduler_instances.c.instance == row.instance)
    ).first()
    return {
        "instance": row.instance,
        "host": owner.host if owner else None,
        "pid": owner.pid if owner else None,
        "live": row.instance in live,
        "job": row.job,
        "at": _iso(row.started_at),
        "status": row.status,
    }


def _jobs(connection: sa.Connection) -> dict[str, Any]:
    j = scheduler_jobs.c
    scheduled = connection.execute(sa.select(sa.func.count()).where(j.active.is_(True))).scalar_one()
    upcoming = connection.execute(
        sa.select(j.job, j.next_run_at)
        .where(j.active.is_(True), j.next_run_at.is_not(None))
        .order_by(j.next_run_at)
        .limit(1)
    ).first()
    return {
        "scheduled": scheduled,
        "next": {"job": upcoming.job, "at": _iso(upcoming.next_run_at)} if upcoming else None,
    }


def _missed(connection: sa.Connection, now: dt.datetime) -> dict[str, Any]:
    """Fires skipped as too late, and fires caught up late, over the last MISSED_WINDOW."""
    r = scheduler_runs.c
    recent = r.started_at >= now - MISSED_WINDOW
    skipped = connection.execute(sa.select(sa.func.count()).where(recent, r.status == "skipped")).scalar_one()
    caught_up = connection.execute(
        sa.select(sa.func.count()).where(recent, r.status != "skipped", r.late_seconds > CATCH_UP_SECONDS)
    ).scalar_one()
    latest = connection.execute(
        sa.select(r.job, r.scheduled_for, r.detail)
        .where(recent, r.status == "skipped")
        .order_by(r.id.desc())
        .limit(LATEST_MISSED)
    ).all()
    return {
        "window_hours": int(MISSED_WINDOW.total_seconds() // 3600),
        "skipped": skipped,
        "caught_up": caught_up,
        "latest": [
            {"job": row.job, "scheduled_for": _iso(row.scheduled_for), "reason": row.detail} for row in latest
        ],
    }
