"""Scheduler settings: whether ``portal serve`` runs the scheduler, and how late a missed run may be."""

from __future__ import annotations

from portal.config.setting import Setting
from portal.config.values import parse_bool, parse_int

SCHEDULER_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "scheduler",
        "PORTAL_SCHEDULER",
        "on",
        parse_bool,
        "`on`: `portal serve` (and `make run`) runs the report and alert scheduler beside gunicorn, "
        "supervised by it. `off`: none here; run `portal report schedule` as its own process. Any "
        "number may run: one of them does each due run.",
    ),
    Setting(
        "scheduler_grace_minutes",
        "PORTAL_SCHEDULER_GRACE_MINUTES",
        "60",
        parse_int(1, 10080),
        "Minutes a run missed while no scheduler was up may still start late (once, however many "
        "times it fell due); later than this it is skipped and recorded with the reason.",
    ),
)
