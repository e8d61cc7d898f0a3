"""When a job fires: the next fire after a moment, and which missed fire (if any) may still run.

APScheduler's ``CronTrigger`` reads the 5-field cron in the job's own time zone (daylight saving
included); the scheduler's state stores the results in UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from apscheduler.triggers.cron import CronTrigger

TICK = dt.timedelta(microseconds=1)
# Counting the fires a long outage swallowed stops here; the record then says "more than".
MAX_COUNTED = 1000


@functools.lru_cache(maxsize=512)
def trigger(schedule: str, timezone: str) -> CronTrigger:
    return CronTrigger.from_crontab(schedule, timezone=timezone)


def next_fire_after(schedule: str, timezone: str, moment: dt.datetime) -> dt.datetime | None:
    """The first fire strictly after ``moment``, in UTC."""
    fire = trigger(schedule, timezone).get_next_fire_time(None, moment + TICK)
    return fire.astimezone(dt.UTC) if fire else None


@dataclasses.dataclass(frozen=True)
class Due:
    """What is owed for a job whose next run came due: the fire to run (or skip) and what it folds in."""

    # The most recent fire at or before now (after a very long outage with nothing inside the grace
    # time, the last one counted: only a skip is recorded for it).
    latest: dt.datetime
    fires: int  # how many fires came due since the stored next run (the latest included)
    more: bool  # counting stopped at MAX_COUNTED
    runnable: bool  # the latest fire is within the grace time
    next_run: dt.datetime | None  # the first fire after now

    def describe_fires(self) -> str:
        return f"more than {self.fires}" if self.more else str(self.fires)


def decide(schedule: str, timezone: str, due_at: dt.datetime, now: dt.datetime, grace: dt.timedelta) -> Due:
    """Coalesce every fire from ``due_at`` up to ``now`` into one: the latest, run if within ``grace``."""
    latest, fires = due_at, 1
    while fires < MAX_COUNTED:
        following = next_fire_after(schedule, timezone, latest)
        if following is None or following > now:
            break
        latest, fires = following, fires + 1
    more = fires >= MAX_COUNTED
    if more:
        # A long outage: a fire still worth running can only lie within the grace time, so look there.
        recent = next_fire_after(schedule, timezone, now - grace - TICK)
        if recent is not None and recent <= now:
            latest = recent
            while (following := next_fire_after(schedule, timezone, latest)) is not None and following <= now:
                latest = following
    return Due(
        latest=latest,
        fires=fires,
        more=more,
        runnable=now - latest <= grace,
        next_run=next_fire_after(schedule, timezone, now),
    )
