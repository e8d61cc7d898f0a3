"""What report and alert definitions share: the file's sections, names, schedules and deliveries.

Both live in the YAML file named by ``PORTAL_REPORTS_FILE``; every mistake is collected as
``<label>: <field>: <problem>`` so whoever edits the file can find it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+|[^@\s<>,;]+@localhost")
WEBHOOK_STYLES = ("json", "slack", "teams")
SECTIONS = ("reports", "alerts")


class _HasName(Protocol):
    @property
    def name(self) -> str: ...


class Scheduled(Protocol):
    """A report or alert rule: an optional cron schedule read in its own time zone."""

    @property
    def schedule(self) -> str | None: ...

    @property
    def timezone(self) -> str: ...


Named = TypeVar("Named", bound=_HasName)


class DefinitionError(ValueError):
    """One or more mistakes in the reports file; each names the entry and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class Delivery:
    """Where a finished report goes: ``kind`` is directory, email or webhook."""

    kind: str
    target: str
    recipients: tuple[str, ...] = ()
    subject: str = ""
    style: str = "json"
    timeout: float = 10.0

    def describe(self) -> str:
        if self.kind == "email":
            return f"email to {', '.join(self.recipients)}"
        if self.kind == "webhook":
            return f"{self.style} webhook {urlsplit(self.target).netloc}"
        return f"directory {self.target}"


def read_file(path: str | Path) -> str:
    """The reports file's text; DefinitionError says why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(
            [f"reports file {str(path)!r}: cannot read it ({exc.strerror or exc})"]
        ) from None


def section(text: str, key: str, source: str) -> list[Any]:
    """The list under ``key`` (reports or alerts) of the file's YAML, empty when absent."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError([f"{source}:{where}: not valid YAML: {problem}"]) from None
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) - set(SECTIONS):
        raise DefinitionError(
            [f"{source}: expected a mapping with the keys 'reports' and/or 'alerts' (each a list)"]
        )
    entries = document.get(key) or []
    if not isinstance(entries, list):
        raise DefinitionError([f"{source}: {key}: expected a list of {key}"])
    return entries


def collect(
    entries: list[Any], noun: str, check: Callable[[str, Any], tuple[FieldChecker, Named | None]]
) -> dict[str, Named]:
    """Check every entry (``check`` gets its label and the raw entry); DefinitionError lists all problems."""
    found: dict[str, Named] = {}
    problems: list[str] = []
    for index, entry in enumerate(entries):
        label = f"{noun} #{index + 1}"
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            label = f"{noun} {entry['name']!r}"
        checker, item = check(label, entry)
        if item is not None and item.name in found:
            checker.problem("name", f"another {noun} already has this name")
        problems.extend(checker.problems)
        if item is not None and not checker.problems:
            found[item.name] = item
    if problems:
        raise DefinitionError(problems)
    return found


class FieldChecker:
    """Collects ``<label>: <field>: <problem>`` messages for one entry of the file."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[str] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(f"{self.label}: {field}: {message}")

    def name(self, raw: Any) -> str:
        if not isinstance(raw, str) or not NAME.fullmatch(raw):
            self.problem("name", "required: lower-case letters, digits, '-' or '_', up to 64 characters")
            return ""
        return raw

    def timezone(self, raw: Any) -> str | None:
        try:
            if not isinstance(raw, str) or not raw:
                raise ZoneInfoNotFoundError(raw)
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem("timezone", f"unknown time zone {raw!r}; use an IANA name such as Europe/Berlin")
            return None
        return raw

    def schedule(self, raw: Any, timezone: str | None) -> str | None:
        if raw is None:
            return None

        if not isinstance(raw, str) or len(raw.split()) != 5:
            self.problem("schedule", f"expected a 5-field cron expression such as '0 7 * * mon', not {raw!r}")
            return None
        try:
            CronTrigger.from_crontab(raw, timezone=timezone or "UTC")
        except ValueError as exc:
            self.problem("schedule", f"{raw!r} is not a valid cron expression ({exc})")
            return None
        return raw

    def deliveries(self, raw: Any) -> tuple[Delivery, ...]:
        if not isinstance(raw, list):
            self.problem("deliver", "expected a list of deliveries (directory, email, webhook)")
            return ()
        result = []
        for index, item in enumerate(raw):
            field = f"deliver[{index}]"
            if not isinstance(item, dict) or len(item) != 1:
                self.problem(field, "expected one of {directory: PATH}, {email: {...}}, {webhook: {...}}")
                continue
            kind, value = next(iter(item.items()))
            checker = {"directory": self._directory, "email": self._email, "webhook": self._webhook}.get(kind)
            if checker is None:
                self.problem(field, f"unknown delivery {kind!r}; expected directory, email or webhook")
                continue
            delivery = checker(f"{field}.{kind}", value)
            if delivery is not None:
                result.append(delivery)
        return tuple(result)

    def _directory(self, field: str, value: Any) -> Delivery | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(field, "expected a directory path")
            return None
        return Delivery("directory", str(Path(value).expanduser()))

    def _email(self, field: str, value: Any) -> Delivery | None:
        if not isinstance(value, dict) or set(value) - {"to", "subject"}:
            self.problem(field, "expected a mapping with to (addresses) and optional subject")
            return None
        to = value.get("to")
        recipients = [to] if isinstance(to, str) else to
        if not isinstance(recipients, list) or not recipients:
            self.problem(f"{field}.to", "expected one address or a list of addresses")
            return None
        for address in recipients:
            if not isinstance(address, str) or not EMAIL.fullmatch(address):
                self.problem(f"{field}.to", f"{address!r} is not an email address")
                return None
        subject = value.get("subject", "")
        if not isinstance(subject, str) or "\n" in subject or "\r" in subject:
            self.problem(f"{field}.subject", "expected one line of text")
            return None
        return Delivery("email", "", tuple(recipients), subject)

    def _webhook(self, field: str, value: Any) -> Delivery | None:
        if isinstance(value, str):
            value = {"url": value}
        if not isinstance(value, dict) or set(value) - {"url", "style", "timeout"}:
            self.problem(field, "expected a mapping with url, optional style (json/slack/teams), timeout")
            return None
        url = value.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            self.problem(f"{field}.url", "expected an http:// or https:// URL")
            return None
        style = value.get("style", "json")
        if style not in WEBHOOK_STYLES:
            self.problem(f"{field}.style", f"expected one of {', '.join(WEBHOOK_STYLES)}, not {style!r}")
            return None
        timeout = value.get("timeout", 10)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= 120:
            self.problem(f"{field}.timeout", "expected seconds between 0 and 120")
            return None
        return Delivery("webhook", url, style=style, timeout=float(timeout))


def next_run(item: Scheduled, now: dt.datetime | None = None) -> dt.datetime | None:
    """The next time a report's or rule's cron fires, in its own time zone; None when unscheduled."""
    if not item.schedule:
        return None
    trigger = CronTrigger.from_crontab(item.schedule, timezone=item.timezone)
    return trigger.get_next_fire_time(None, now or dt.datetime.now(dt.UTC))
