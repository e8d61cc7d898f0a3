"""The Alerts page's view of the alerts: open and recent resolved ones, each with its rule and hold.

It reads only; every change goes through :mod:`portal.alerts.manage`, so the page is audited
exactly like the REST API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa

from portal.alerts import manage, rule_store, store
from portal.alerts.rules import AlertRule, load_rules
from portal.config import Settings
from portal.db.alerts import alerts
from portal.reports.fields import DefinitionError

OPEN_LIMIT = 200
RESOLVED_LIMIT = 50


@dataclasses.dataclass(frozen=True)
class AlertView:
    """One alert as a row: the rule it came from (None when no longer in the file) and why it waits."""

    alert: store.Alert
    rule: AlertRule | None
    held: str | None


@dataclasses.dataclass(frozen=True)
class Rules:
    """The rules of the reports file, or the reason they could not be read."""

    by_name: dict[str, AlertRule]
    problem: str | None = None


@dataclasses.dataclass(frozen=True)
class Board:
    """What the page lists: capped lists plus the totals, so the page can say what it left out."""

    open: list[AlertView]
    resolved: list[AlertView]
    open_total: int
    resolved_total: int
    rules: Rules


def read_rules(settings: Settings, engine: sa.Engine | None = None) -> Rules:
    """The file's rules and, given the database, those made from pages (paused ones too).

    A broken file is reported, not raised, so alerts still list; a file rule wins a shared name.
    """
    problem = ""
    try:
        found = dict(load_rules(settings))
    except DefinitionError as exc:
        found, problem = {}, "; ".join(exc.problems) or str(exc)
    if engine is not None:
        try:
            for stored in rule_store.listing(engine):
                found.setdefault(stored.name, stored.rule)
        except sa.exc.SQLAlchemyError as exc:
            problem = "; ".join(
                filter(None, [problem, f"page rules cannot be read now ({type(exc).__name__})"])
            )
    return Rules(found, problem or None)


def count(engine: sa.Engine, status: str, model: str | None = None) -> int:
    """How many alerts have ``status``, optionally on one model (the lists are capped; the page shows it)."""
    query = sa.select(sa.func.count()).select_from(alerts).where(alerts.c.status == status)
    if model is not None:
        query = query.where(alerts.c.model_name == model)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def board(
    settings: Settings,
    engine: sa.Engine,
    open_limit: int = OPEN_LIMIT,
    resolved_limit: int = RESOLVED_LIMIT,
    at: dt.datetime | None = None,
    model: str | None = None,
) -> Board:
    """Open alerts (each with its current hold) and the latest resolved ones, of one model or all.

    Raises SQLAlchemyError when the database cannot be read.
    """
    rules = read_rules(settings, engine)
    when = at or store.now()

    def view(alert: store.Alert) -> AlertView:
        held = manage.hold_reason(engine, alert, when) if alert.status == store.OPEN else None
        return AlertView(alert, rules.by_name.get(alert.rule), held)

    opened = store.listed(engine, model, store.OPEN, open_limit)
    resolved = store.listed(engine, model, store.RESOLVED, resolved_limit)
    return Board(
        [view(alert) for alert in opened],
        [view(alert) for alert in resolved],
        count(engine, store.OPEN, model),
        count(engine, store.RESOLVED, model),
        rules,
    )


def watches(rule: AlertRule) -> str:
    """What a rule judges, in one line: its conditions, model and window."""
    conditions = []
    if rule.dataset_drift:
        conditions.append("dataset drift")
    if rule.performance_drop is not None:
        conditions.append(rule.performance_drop.describe())
    return f"{' and '.join(conditions)} of {rule.model} over {rule.window} (at least {rule.min_rows} rows)"


def delivery_lines(alert: store.Alert) -> list[str]:
    """The delivery log in words, oldest first: delivered, failed (why) or held (why)."""
    lines = []
    for entry in alert.deliveries:
        lines.append(_delivery_line(entry))
    return lines


def _delivery_line(entry: dict[str, Any]) -> str:
    at = str(entry.get("at", ""))[:16].replace("T", " ")
    head = f"{at} UTC {entry.get('event', '?')} to {entry.get('delivery', '?')}"
    if entry.get("ok"):
        return f"{head}: delivered"
    if entry.get("held"):
        return f"{head}: not delivered, {entry['held']}"
    return f"{head}: failed, {entry.get('error') or 'no reason recorded'}"
