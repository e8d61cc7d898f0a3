"""Alert records in the ``alerts`` table: at most one open alert per rule and condition."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa

from portal.db.alerts import alerts

OPEN = "open"
RESOLVED = "resolved"
TIMES = ("raised_at", "last_seen_at", "resolved_at", "acknowledged_at", "silenced_until", "silenced_at")


@dataclasses.dataclass(frozen=True)
class Alert:
    """One alert as the checker, the Overview banner and the CLI read it."""

    id: int
    rule: str
    kind: str
    model_name: str
    model_version: int
    status: str
    summary: str
    details: dict[str, Any]
    page: str
    raised_at: dt.datetime
    last_seen_at: dt.datetime
    resolved_at: dt.datetime | None
    deliveries: list[dict[str, Any]]
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledge_comment: str | None = None
    silenced_until: dt.datetime | None = None
    silenced_by: str | None = None
    silenced_at: dt.datetime | None = None
    silence_comment: str | None = None

    def silenced_at_time(self, at: dt.datetime) -> bool:
        """Whether a silence holds notices back at ``at``."""
        return self.silenced_until is not None and at < self.silenced_until


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the zone; every time here is stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _alert(row: Any) -> Alert:
    values = dict(row._mapping)
    for key in TIMES:
        values[key] = _utc(values[key])
    values["id"] = values.pop("alert_id")
    return Alert(**values)


def open_alert(engine: sa.Engine, rule: str, kind: str) -> Alert | None:
    """The rule's open alert for one condition, if any."""
    query = sa.select(alerts).where(alerts.c.rule == rule, alerts.c.kind == kind, alerts.c.status == OPEN)
    with engine.connect() as connection:
        row = connection.execute(query.order_by(alerts.c.alert_id.desc())).first()
    return _alert(row) if row is not None else None


def open_on_model(engine: sa.Engine, model: str) -> list[Alert]:
    """Every open alert on ``model``, newest first (a subscription's "only if an alert is open")."""
    query = sa.select(alerts).where(alerts.c.model_name == model, alerts.c.status == OPEN)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(alerts.c.alert_id.desc())).all()
    return [_alert(row) for row in rows]


def create(
    engine: sa.Engine,
    rule: str,
    kind: str,
    model: tuple[str, int],
    summary: str,
    details: dict[str, Any],
    page: str,
    at: dt.datetime,
) -> Alert:
    """Record a newly raised alert, open, with no deliveries yet."""
    values = {
        "rule": rule,
        "kind": kind,
        "model_name": model[0],
        "model_version": model[1],
        "status": OPEN,
        "summary": summary,
        "details": details,
        "page": page,
        "raised_at": at,
        "last_seen_at": at,
        "resolved_at": None,
        "deliveries": [],
    }
    with engine.begin() as connection:
        alert_id = connection.execute(alerts.insert().values(**values)).inserted_primary_key[0]
    return get(engine, int(alert_id))


def update(engine: sa.Engine, alert_id: int, **values: Any) -> Alert:
    """Change some columns of one alert and return it as stored."""
    with engine.begin() as connection:
        connection.execute(alerts.update().where(alerts.c.alert_id == alert_id).values(**values))
    return get(engine, alert_id)


def get(engine: sa.Engine, alert_id: int) -> Alert:
    found = find(engine, alert_id)
    if found is None:
        raise LookupError(f"no alert with id {alert_id}")
    return found


def find(engine: sa.Engine, alert_id: int) -> Alert | None:
    """One alert by id, or None when there is none."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(alerts).where(alerts.c.alert_id == alert_id)).first()
    return _alert(row) if row is not None else None


def listed(
    engine: sa.Engine, model: str | None = None, status: str | None = None, limit: int = 50
) -> list[Alert]:
    """Alerts newest first, optionally of one model and one status."""
    query = sa.select(alerts).order_by(alerts.c.raised_at.desc(), alerts.c.alert_id.desc()).limit(limit)
    if model is not None:
        query = query.where(alerts.c.model_name == model)
    if status is not None:
        query = query.where(alerts.c.status == status)
    with engine.connect() as connection:
        return [_alert(row) for row in connection.execute(query)]


def resolved_since(engine: sa.Engine, rule: str, since: dt.datetime) -> list[Alert]:
    """The rule's alerts resolved at or after ``since``, oldest first (the resolved notices to retry)."""
    query = (
        sa.select(alerts)
        .where(alerts.c.rule == rule, alerts.c.status == RESOLVED, alerts.c.resolved_at >= since)
        .order_by(alerts.c.alert_id)
    )
    with engine.connect() as connection:
        return [_alert(row) for row in connection.execute(query)]
