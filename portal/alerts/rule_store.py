"""Alert rules made from the pages: save and update (validated first, never half-way), pause, delete, audited.

Names are unique across the reports file and the ``alert_rules`` table, so ``alert:<name>`` means
one rule to the scheduler and the alerts it raised. File rules are listed beside page rules,
read-only. :func:`all_rules` is what every checker of rules reads: the file's and the enabled page rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa

from models.registry import ModelRegistry
from portal.alerts import store as alert_store
from portal.alerts.rule_input import FILE, LABEL, TABLE, Context, Editor, RuleError, validate
from portal.alerts.rules import PAGE, AlertRule, RuleChecker, load_rules
from portal.config import Settings
from portal.db.alert_rules import alert_rules as table
from portal.reports.fields import DefinitionError, Delivery
from portal.security import audit
from portal.security.roles import Role

log = logging.getLogger(__name__)

__all__ = ["Editor", "NotFound", "ReadOnly", "RuleError", "StoredRule", "all_rules", "save"]


class NotFound(LookupError):
    """No page rule has this name (or the requester may not change it)."""


class ReadOnly(PermissionError):
    """The rule is the reports file's: change it there."""


@dataclasses.dataclass(frozen=True)
class StoredRule:
    """A rule as the pages list it: the rule, and for a page rule its owner, pause and times."""

    rule: AlertRule
    owner: str = ""
    paused: bool = False
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    updated_by: str = ""

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def source(self) -> str:
        return self.rule.source

    def as_json(self) -> dict[str, Any]:
        rule = self.rule
        drop = rule.performance_drop
        return {
            "name": rule.name,
            "title": rule.title,
            "source": rule.source,
            "model": rule.model,
            "window": rule.window,
            "min_rows": rule.min_rows,
            "dataset_drift": rule.dataset_drift,
            "feature_drift": rule.feature_drift,
            "performance_drop": None
            if drop is None
            else {
                "metric": drop.metric,
                "by": drop.by,
                "relative": drop.relative,
                "min_labels": drop.min_labels,
            },
            "watches": rule.watches(),
            "schedule": rule.schedule,
            "timezone": rule.timezone,
            "deliveries": [d.describe() for d in rule.deliveries],
            "owner": self.owner or None,
            "paused": self.paused,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def file_rules(settings: Settings) -> dict[str, AlertRule]:
    """The reports file's rules, or none when it is unset or has mistakes (reported where it is loaded)."""
    try:
        return load_rules(settings)
    except DefinitionError:
        return {}


def all_rules(settings: Settings, engine: sa.Engine) -> dict[str, AlertRule]:
    """Every rule to check: the file's (DefinitionError when it has mistakes), then enabled page rules."""
    rules = dict(load_rules(settings))
    for stored in listing(engine):
        if stored.paused:
            continue
        if stored.name in rules:  # saved before the file took the name: the file's rule wins
            log.warning("page alert rule shadowed by the reports file", extra={"rule": stored.name})
            continue
        rules[stored.name] = stored.rule
    return rules


def rules_on_model(settings: Settings, engine: sa.Engine, model: str) -> list[StoredRule]:
    """Every rule watching ``model``, file rules first (read-only), paused page rules included."""
    found = [StoredRule(rule) for rule in file_rules(settings).values() if rule.model == model]
    return found + [stored for stored in listing(engine, model) if stored.name not in {s.name for s in found}]


def save(
    settings: Settings, engine: sa.Engine, registry: ModelRegistry, raw: Any, editor: Editor
) -> StoredRule:
    """Create a rule; RuleError names every problem and nothing is saved until all of them are gone."""
    context = Context(registry, _taken(settings, engine), settings.report_recipient_domains, editor)
    rule = validate(raw, context)
    now = dt.datetime.now(dt.UTC)
    values = _row(rule) | {
        "owner": editor.name,
        "paused": False,
        "created_at": now,
        "updated_at": now,
        "updated_by": editor.name,
    }
    try:
        with engine.begin() as connection:
            connection.execute(table.insert().values(**values))
    except sa.exc.IntegrityError:
        raise RuleError(
            [("name", f"an alert rule named {rule.name!r} already exists; choose another title")]
        ) from None
    audit.record(engine, "alert_rule.create", rule.name, actor=editor.name, **_audit_details(rule))
    return get(engine, rule.name)


def update(
    settings: Settings, engine: sa.Engine, registry: ModelRegistry, name: str, raw: Any, editor: Editor
) -> StoredRule:
    """Replace a page rule's definition (its name, owner and pause stay); checked as a new one, audited."""
    stored = _own(settings, engine, name, editor)
    taken = {other: where for other, where in _taken(settings, engine).items() if other != name}
    body = {**raw, "name": name} if isinstance(raw, dict) else raw
    rule = validate(body, Context(registry, taken, settings.report_recipient_domains, editor))
    values = _row(rule) | {"updated_at": dt.datetime.now(dt.UTC), "updated_by": editor.name}
    with engine.begin() as connection:
        connection.execute(table.update().where(table.c.name == name).values(**values))
    audit.record(engine, "alert_rule.update", name, actor=editor.name, **_audit_details(rule))
    return dataclasses.replace(get(engine, name), owner=stored.owner)


def set_paused(settings: Settings, engine: sa.Engine, name: str, paused: bool, editor: Editor) -> StoredRule:
    """Pause (nothing checks it, its open alerts stay as they are) or resume a page rule; audited."""
    stored = _own(settings, engine, name, editor)
    with engine.begin() as connection:
        connection.execute(
            table.update()
            .where(table.c.name == name)
            .values(paused=paused, updated_at=dt.datetime.now(dt.UTC), updated_by=editor.name)
        )
    audit.record(engine, "alert_rule.pause" if paused else "alert_rule.resume", name, actor=editor.name)
    log.info("alert rule paused" if paused else "alert rule resumed", extra={"rule": name})
    return dataclasses.replace(stored, paused=paused)


def delete(settings: Settings, engine: sa.Engine, name: str, editor: Editor) -> None:
    """Remove a page rule and resolve its open alerts (nothing will check them again); audited."""
    stored = _own(settings, engine, name, editor)
    with engine.begin() as connection:
        connection.execute(table.delete().where(table.c.name == name))
    at = alert_store.now()
    for alert in alert_store.listed(engine, stored.rule.model, alert_store.OPEN, 1000):
        if alert.rule == name:
            alert_store.update(engine, alert.id, status=alert_store.RESOLVED, resolved_at=at, last_seen_at=at)
    audit.record(engine, "alert_rule.delete", name, actor=editor.name, **_audit_details(stored.rule))


def may_change(stored: StoredRule, editor: Editor) -> bool:
    """A page rule's owner (an analyst or above), or any admin; never a file rule."""
    if stored.source != PAGE:
        return False
    return editor.role >= Role.ADMIN or (editor.role >= Role.ANALYST and stored.owner == editor.name)


def _own(settings: Settings, engine: sa.Engine, name: str, editor: Editor) -> StoredRule:
    if name in file_rules(settings):
        raise ReadOnly(f"alert rule {name!r} is defined in {FILE}; change it there")
    stored = get(engine, name)
    if not may_change(stored, editor):
        raise NotFound(name)
    return stored


def get(engine: sa.Engine, name: str) -> StoredRule:
    with engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.name == name)).mappings().first()
    if row is None:
        raise NotFound(name)
    return _stored(row)


def listing(engine: sa.Engine, model: str | None = None) -> list[StoredRule]:
    """Page rules by name (of one model when given), paused ones included."""
    query = sa.select(table).order_by(table.c.name)
    if model is not None:
        query = query.where(table.c.model == model)
    with engine.connect() as connection:
        rows = list(connection.execute(query).mappings())
    found = []
    for row in rows:
        try:
            found.append(_stored(row))
        except RuleError as exc:  # only a hand-edited row can fail; the others still run
            log.error("stored alert rule skipped", extra={"rule": row["name"], "error": str(exc)})
    return found


def stamp(engine: sa.Engine) -> tuple[int, str]:
    """Changes whenever a page rule is added, paused, resumed or removed: the scheduler source's stamp."""
    with engine.connect() as connection:
        count, latest = connection.execute(sa.select(sa.func.count(), sa.func.max(table.c.updated_at))).one()
    return int(count), str(latest)


def _taken(settings: Settings, engine: sa.Engine) -> dict[str, str]:
    taken = {name: FILE for name in file_rules(settings)}
    with engine.connect() as connection:
        for (name,) in connection.execute(sa.select(table.c.name)):
            taken.setdefault(name, TABLE)
    return taken


def _row(rule: AlertRule) -> dict[str, Any]:
    drop = rule.performance_drop
    return {
        "name": rule.name,
        "title": rule.title,
        "model": rule.model,
        "window": rule.window,
        "min_rows": rule.min_rows,
        "dataset_drift": rule.dataset_drift,
        "feature_drift": rule.feature_drift,
        "performance_metric": drop.metric if drop else None,
        "performance_by": drop.by if drop else None,
        "performance_relative": bool(drop and drop.relative),
        "performance_min_labels": drop.min_labels if drop else None,
        "schedule": rule.schedule,
        "timezone": rule.timezone,
        "deliveries": [_delivery_entry(d) for d in rule.deliveries],
    }


def _delivery_entry(delivery: Delivery) -> dict[str, Any]:
    """A delivery as the reports file writes it, so the file's checker reads it back."""
    if delivery.kind == "email":
        value: dict[str, Any] = {"to": list(delivery.recipients)}
        if delivery.subject:
            value["subject"] = delivery.subject
        return {"email": value}
    if delivery.kind == "webhook":
        return {"webhook": {"url": delivery.target, "style": delivery.style, "timeout": delivery.timeout}}
    return {"directory": delivery.target}


def _entry(row: Any) -> dict[str, Any]:
    """A stored row as a reports-file entry."""
    entry: dict[str, Any] = {
        "name": row["name"],
        "title": row["title"],
        "model": row["model"],
        "window": row["window"],
        "min_rows": row["min_rows"],
        "dataset_drift": bool(row["dataset_drift"]),
        "timezone": row["timezone"],
        "deliver": list(row["deliveries"] or []),
    }
    if row["feature_drift"] is not None:
        entry["feature_drift"] = row["feature_drift"]
    if row["performance_metric"] is not None:
        by = row["performance_by"]
        entry["performance_drop"] = {
            "metric": row["performance_metric"],
            "by": f"{by * 100:.12g}%" if row["performance_relative"] else by,
            "min_labels": row["performance_min_labels"],
        }
    if row["schedule"] is not None:
        entry["schedule"] = row["schedule"]
    return entry


def _stored(row: Any) -> StoredRule:
    checker = RuleChecker(f"{LABEL} {row['name']!r}", source=PAGE)
    rule = checker.rule(_entry(row))
    if rule is None or checker.fields:
        raise RuleError(checker.fields or [("body", "not an alert rule")])
    return StoredRule(
        rule,
        owner=row["owner"],
        paused=bool(row["paused"]),
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
        updated_by=row["updated_by"],
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone; we always store UTC
        return value.replace(tzinfo=dt.UTC)
    return value


def _audit_details(rule: AlertRule) -> dict[str, Any]:
    return {
        "model": rule.model,
        "window": rule.window,
        "watches": rule.watches(),
        "schedule": rule.schedule,
        "deliveries": [d.describe() for d in rule.deliveries],
    }
