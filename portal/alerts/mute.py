"""Recurring mute windows: times of the week (say weekends) when alert notices are held back.

A window starts on each of its weekdays at ``start`` local time in its IANA time zone and ends at
``end``; an end at or before the start runs past midnight, and ``24:00`` is the end of the day.
Alerts are still raised, recorded and shown while muted; only their delivery waits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from portal.alerts.errors import AlertInputError, AlertNotFound
from portal.db.alerts import alert_mute_windows

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_NAMES = {
    day: index
    for index, day in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")
NAME = re.compile(r"[\w][\w .:-]{0,99}")
COMMENT_LIMIT = 500
FIELDS = ("name", "rule", "weekdays", "start", "end", "timezone", "comment")


@dataclasses.dataclass(frozen=True)
class MuteWindow:
    """One stored window; ``rule`` None means every rule."""

    id: int
    name: str
    rule: str | None
    weekdays: tuple[int, ...]
    start: str
    end: str
    timezone: str
    comment: str
    created_by: str
    created_at: dt.datetime

    @property
    def days(self) -> str:
        return ",".join(WEEKDAYS[day] for day in self.weekdays)

    def describe(self) -> str:
        scope = f"rule {self.rule}" if self.rule else "all rules"
        return f"{self.days} {self.start}-{self.end} {self.timezone} ({scope})"

    def covers(self, at: dt.datetime) -> bool:
        """Whether ``at`` (aware) falls inside one of this window's weekly occurrences."""
        local = at.astimezone(ZoneInfo(self.timezone))
        start, end = _minutes(self.start), _minutes(self.end)
        now = local.hour * 60 + local.minute
        today, yesterday = local.weekday(), (local.weekday() - 1) % 7
        if start < end:
            return today in self.weekdays and start <= now < end
        # Past midnight: the evening part belongs to today, the morning part to yesterday's window.
        return (today in self.weekdays and now >= start) or (yesterday in self.weekdays and now < end)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def check_comment(raw: Any) -> str:
    """Optional text of at most 500 characters, trimmed."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise AlertInputError("comment: expected text")
    text = raw.strip()
    if len(text) > COMMENT_LIMIT:
        raise AlertInputError(f"comment: at most {COMMENT_LIMIT} characters, not {len(text)}")
    return text


def check_weekdays(raw: Any) -> tuple[int, ...]:
    """``["sat", "sun"]`` or ``"sat,sun"`` (full names too) -> sorted day numbers, Monday 0."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or not items:
        raise AlertInputError("weekdays: expected one or more of " + ", ".join(WEEKDAYS))
    days = set()
    for item in items:
        key = item.strip().lower() if isinstance(item, str) else item
        if key in WEEKDAYS:
            days.add(WEEKDAYS.index(key))
        elif key in FULL_NAMES:
            days.add(FULL_NAMES[key])
        else:
            raise AlertInputError(
                f"weekdays: {item!r} is not a weekday; expected some of {', '.join(WEEKDAYS)}"
            )
    return tuple(sorted(days))


def check_clock(field: str, raw: Any) -> str:
    if not isinstance(raw, str) or not CLOCK.fullmatch(raw.strip()):
        raise AlertInputError(f"{field}: expected a time HH:MM from 00:00 to 24:00, not {raw!r}")
    return raw.strip()


def check_timezone(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise AlertInputError("timezone: expected an IANA time zone such as Europe/Paris or UTC")
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AlertInputError(f"timezone: {name!r} is not an IANA time zone such as Europe/Paris") from None
    return name


def check_window(raw: Mapping[str, Any], rules: Iterable[str]) -> dict[str, Any]:
    """Validate a new window's fields; every problem raises :class:`AlertInputError` before saving."""
    unknown = sorted(set(raw) - set(FIELDS), key=str)
    if unknown:
        raise AlertInputError(f"unknown field {unknown[0]!r}; expected some of {', '.join(FIELDS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name.strip()):
        raise AlertInputError("name: expected 1 to 100 letters, digits, spaces or . : - _")
    rule = raw.get("rule") or None
    known = sorted(rules)
    if rule is not None and rule not in known:
        choices = ", ".join(known) or "none are configured"
        raise AlertInputError(f"rule: no alert rule named {rule!r} (rules: {choices}); leave empty for all")
    start = check_clock("start", raw.get("start"))
    end = check_clock("end", raw.get("end"))
    if start == end or (start == "24:00"):
        raise AlertInputError("end: must differ from start, and start cannot be 24:00 (00:00-24:00 is a day)")
    return {
        "name": name.strip(),
        "rule": rule,
        "weekdays": ",".join(WEEKDAYS[d] for d in check_weekdays(raw.get("weekdays"))),
        "start_time": start,
        "end_time": end,
        "timezone": check_timezone(raw.get("timezone", "UTC")),
        "comment": check_comment(raw.get("comment")),
    }


def _window(row: Any) -> MuteWindow:
    values = row._mapping
    created = values["created_at"]
    return MuteWindow(
        id=values["window_id"],
        name=values["name"],
        rule=values["rule"],
        weekdays=tuple(WEEKDAYS.index(day) for day in values["weekdays"].split(",")),
        start=values["start_time"],
        end=values["end_time"],
        timezone=values["timezone"],
        comment=values["comment"],
        created_by=values["created_by"],
        created_at=created if created.tzinfo else created.replace(tzinfo=dt.UTC),
    )


def windows(engine: sa.Engine) -> list[MuteWindow]:
    """Every mute window, by name."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(alert_mute_windows).order_by(alert_mute_windows.c.name))
        return [_window(row) for row in rows]


def add(engine: sa.Engine, fields: dict[str, Any], who: str, at: dt.datetime) -> MuteWindow:
    """Store checked ``fields`` (from :func:`check_window`); a taken name is refused, nothing saved."""
    values = {**fields, "created_by": who[:200], "created_at": at}
    with engine.begin() as connection:
        taken = connection.execute(
            sa.select(alert_mute_windows.c.window_id).where(alert_mute_windows.c.name == fields["name"])
        ).first()
        if taken is not None:
            raise AlertInputError(f"name: a mute window named {fields['name']!r} already exists")
        window_id = connection.execute(alert_mute_windows.insert().values(**values)).inserted_primary_key[0]
        row = connection.execute(
            sa.select(alert_mute_windows).where(alert_mute_windows.c.window_id == window_id)
        ).one()
    return _window(row)


def delete(engine: sa.Engine, window_id: int) -> MuteWindow:
    """Remove one window and return it; :class:`AlertNotFound` when there is none."""
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(alert_mute_windows).where(alert_mute_windows.c.window_id == window_id)
        ).first()
        if row is None:
            raise AlertNotFound(f"no mute window with id {window_id}")
        connection.execute(alert_mute_windows.delete().where(alert_mute_windows.c.window_id == window_id))
    return _window(row)


def muting(engine: sa.Engine, rule: str, at: dt.datetime) -> MuteWindow | None:
    """The first window (by name) that mutes ``rule`` at ``at``, if any."""
    for window in windows(engine):
        if window.rule in (None, rule) and window.covers(at):
            return window
    return None
