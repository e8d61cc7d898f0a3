"""Which missed fire may still run: every fire since the stored next run folds into the latest one."""

from __future__ import annotations

import datetime as dt

from portal.scheduler.timing import MAX_COUNTED, decide, next_fire_after
from tests.scheduler.conftest import utc

HOUR = dt.timedelta(hours=1)


def test_tim001_missed_fires_coalesce_into_the_latest_within_the_grace_time() -> None:
    due = decide("0 * * * *", "UTC", utc(2026, 3, 2, 11), utc(2026, 3, 2, 12, 20), HOUR)
    assert (due.latest, due.fires, due.runnable) == (utc(2026, 3, 2, 12), 2, True)
    assert due.next_run == utc(2026, 3, 2, 13)


def test_tim002_the_latest_fire_beyond_the_grace_time_is_not_runnable() -> None:
    due = decide("0 * * * *", "UTC", utc(2026, 3, 2, 11), utc(2026, 3, 2, 15, 45), dt.timedelta(minutes=30))
    assert (due.latest, due.fires, due.runnable, due.next_run) == (
        utc(2026, 3, 2, 15),
        5,
        False,
        utc(2026, 3, 2, 16),
    )


def test_tim003_a_long_outage_still_finds_the_fire_inside_the_grace_time() -> None:
    now = utc(2026, 3, 9, 8, 30, 20)
    due = decide("* * * * *", "UTC", utc(2026, 3, 2, 0, 0), now, HOUR)
    assert due.more and due.fires == MAX_COUNTED and due.describe_fires() == f"more than {MAX_COUNTED}"
    assert (due.latest, due.runnable) == (utc(2026, 3, 9, 8, 30), True)


def test_tim004_fires_follow_the_job_time_zone_across_daylight_saving() -> None:
    before = next_fire_after("30 7 * * *", "Europe/Berlin", utc(2026, 3, 27, 12))
    after = next_fire_after("30 7 * * *", "Europe/Berlin", utc(2026, 3, 28, 12))
    assert (before, after) == (utc(2026, 3, 28, 6, 30), utc(2026, 3, 29, 5, 30))
    assert next_fire_after("0 * * * *", "UTC", utc(2026, 3, 2, 11)) == utc(2026, 3, 2, 12), "strictly after"
