"""A subscription's schedule as people choose it (daily, weekly, monthly at a time) and the cron it becomes.

Experts may give a raw cron instead; either way the result is checked by the same cron parser the
scheduler uses, so a schedule that saves is one that runs.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

KINDS = ("daily", "weekly", "monthly", "cron")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class CadenceError(ValueError):
    """A schedule that cannot run; ``field`` is the dialog field to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclasses.dataclass(frozen=True)
class Cadence:
    """What the dialog shows: the kind, the day (weekday or day of month), the time, or a raw cron."""

    kind: str
    time: str = "07:00"
    day: str = ""
    cron: str = ""

    def as_json(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    def to_cron(self) -> str:
        """The 5-field cron expression this cadence fires on."""
        if self.kind == "cron":
            return self.cron
        hour, minute = (int(part) for part in self.time.split(":"))
        if self.kind == "daily":
            return f"{minute} {hour} * * *"
        if self.kind == "weekly":
            return f"{minute} {hour} * * {self.day}"
        return f"{minute} {hour} {self.day} * *"

    def describe(self) -> str:
        if self.kind == "cron":
            return f"cron {self.cron}"
        if self.kind == "daily":
            return f"daily at {self.time}"
        if self.kind == "weekly":
            return f"weekly on {self.day} at {self.time}"
        return f"monthly on day {self.day} at {self.time}"


def check_timezone(raw: Any) -> str:
    """An IANA time zone name, or :class:`CadenceError` naming it."""
    try:
        if not isinstance(raw, str) or not raw.strip():
            raise ZoneInfoNotFoundError(raw)
        ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise CadenceError(
            "timezone", f"unknown time zone {raw!r}; use an IANA name such as Europe/Berlin"
        ) from None
    return raw.strip()


def parse_cadence(raw: Any, timezone: str) -> Cadence:
    """Check a schedule from the dialog or the API: ``{kind, time, day}`` or ``{kind: cron, cron}``."""
    if not isinstance(raw, dict):
        raise CadenceError("schedule", "expected a schedule: daily, weekly or monthly at a time, or a cron")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CadenceError("schedule", f"expected one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "cron":
        cadence = Cadence("cron", cron=_cron(raw.get("cron")))
    else:
        time = raw.get("time") or "07:00"
        match = TIME.fullmatch(str(time).strip())
        if not match:
            raise CadenceError("time", f"expected a time such as 07:30 (24-hour), not {time!r}")
        cadence = Cadence(kind, f"{int(match[1]):02d}:{match[2]}", _day(kind, raw.get("day")))
    try:
        CronTrigger.from_crontab(cadence.to_cron(), timezone=timezone)
    except ValueError as exc:
        raise CadenceError("cron", f"{cadence.to_cron()!r} is not a valid cron expression ({exc})") from None
    return cadence


def _cron(raw: Any) -> str:
    text = " ".join(str(raw or "").split())
    if len(text.split()) != 5:
        raise CadenceError(
            "cron",
            f"expected 5 cron fields (minute hour day month weekday) such as '0 7 * * mon', not {raw!r}",
        )
    try:
        CronTrigger.from_crontab(text)
    except ValueError as exc:
        raise CadenceError("cron", f"{text!r} is not a valid cron expression ({exc})") from None
    return text


def _day(kind: str, raw: Any) -> str:
    if kind == "daily":
        return ""
    text = str(raw or "").strip().lower()
    if kind == "weekly":
        if text[:3] not in WEEKDAYS or text not in (text[:3], *_long_names()):
            raise CadenceError("day", f"expected a weekday ({', '.join(WEEKDAYS)}), not {raw!r}")
        return text[:3]
    if not text.isdigit() or not 1 <= int(text) <= 28:
        raise CadenceError(
            "day", f"expected a day of the month from 1 to 28 (every month has it), not {raw!r}"
        )
    return str(int(text))


def _long_names() -> tuple[str, ...]:
    return ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
