"""Subscriptions in the database: save (validated first, so never half-way), list, pause, delete, audited.

Names are unique across the reports file and the table: a name either already uses is refused,
so ``report:<name>`` means one report to the scheduler and the run history.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa

from portal.config import Settings
from portal.db.report_subscriptions import report_subscriptions as table
from portal.reports.cadence import Cadence
from portal.reports.definitions import ReportDefinition, load_reports
from portal.reports.fields import DefinitionError
from portal.reports.subscriptions import Context, Subscriber, Subscription, SubscriptionError, validate
from portal.security import audit
from portal.security.roles import Role

log = logging.getLogger(__name__)
FILE = "the reports file"
TABLE = "a subscription"


class NotFound(LookupError):
    """No subscription has this name (or the requester may not see it)."""


def file_reports(settings: Settings, pages: Iterable[str]) -> dict[str, ReportDefinition]:
    """The reports file's definitions, or none when it is unset or has mistakes (shown elsewhere)."""
    try:
        return load_reports(settings, pages)
    except DefinitionError:
        return {}


def _taken(settings: Settings, engine: sa.Engine, pages: Iterable[str]) -> dict[str, str]:
    taken = {name: FILE for name in file_reports(settings, pages)}
    with engine.connect() as connection:
        for (name,) in connection.execute(sa.select(table.c.name)):
            taken.setdefault(name, TABLE)
    return taken


def save(
    settings: Settings,
    engine: sa.Engine,
    pages: Collection[str],
    raw: Any,
    subscriber: Subscriber,
    name: str | None = None,
    admin_pages: Collection[str] = (),
) -> Subscription:
    """Create (``name`` None) or replace one; SubscriptionError names every problem, nothing saved."""
    editing = None
    if name is not None:
        editing = get(engine, name)
        if not may_manage(editing, subscriber):
            raise NotFound(name)
    context = Context(
        pages=pages,
        taken={} if editing else _taken(settings, engine, pages),
        domains=settings.report_recipient_domains,
        subscriber=subscriber,
        editing=editing,
        admin_pages=admin_pages,
    )
    subscription = validate(raw, context)
    now = dt.datetime.now(dt.UTC)
    values = _row(subscription) | {"updated_at": now, "updated_by": subscriber.name}
    try:
        with engine.begin() as connection:
            if editing is None:
                connection.execute(table.insert().values(**values, created_at=now))
            else:
                connection.execute(table.update().where(table.c.name == editing.name).values(**values))
    except sa.exc.IntegrityError:
        raise SubscriptionError(
            [
                (
                    "name",
                    f"a report named {subscription.name!r} already exists in {TABLE}; choose another title",
                )
            ]
        ) from None
    action = "report.subscription.create" if editing is None else "report.subscription.update"
    audit.record(engine, action, subscription.name, actor=subscriber.name, **_audit_details(subscription))
    return get(engine, subscription.name)


def check(
    settings: Settings,
    pages: Collection[str],
    raw: Any,
    subscriber: Subscriber,
    admin_pages: Collection[str] = (),
) -> Subscription:
    """Validate without saving (a preview): every check but the name's uniqueness."""
    context = Context(pages, {}, settings.report_recipient_domains, subscriber, admin_pages=admin_pages)
    return validate({**raw, "name": raw.get("name") or "preview"} if isinstance(raw, dict) else raw, context)


def set_paused(engine: sa.Engine, name: str, paused: bool, subscriber: Subscriber) -> Subscription:
    """Pause (the scheduler retires its job) or resume it; audited."""
    subscription = get(engine, name)
    if not may_manage(subscription, subscriber):
        raise NotFound(name)
    with engine.begin() as connection:
        connection.execute(
            table.update()
            .where(table.c.name == name)
            .values(paused=paused, updated_at=dt.datetime.now(dt.UTC), updated_by=subscriber.name)
        )
    audit.record(
        engine,
        "report.subscription.pause" if paused else "report.subscription.resume",
        name,
        actor=subscriber.name,
    )
    return get(engine, name)


def delete(engine: sa.Engine, name: str, subscriber: Subscriber) -> None:
    """Remove a subscription; its run history stays. Audited."""
    subscription = get(engine, name)
    if not may_manage(subscription, subscriber):
        raise NotFound(name)
    with engine.begin() as connection:
        connection.execute(table.delete().where(table.c.name == name))
    audit.record(
        engine, "report.subscription.delete", name, actor=subscriber.name, **_audit_details(subscription)
    )


def may_manage(subscription: Subscription, subscriber: Subscriber) -> bool:
    """Its owner, or any admin."""
    return subscriber.role >= Role.ADMIN or subscription.owner == subscriber.name


def get(engine: sa.Engine, name: str) -> Subscription:
    with engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.name == name)).mappings().first()
    if row is None:
        raise NotFound(name)
    return _subscription(row)


def find(engine: sa.Engine, name: str) -> Subscription | None:
    try:
        return get(engine, name)
    except NotFound:
        return None


def listing(engine: sa.Engine, subscriber: Subscriber | None = None) -> list[Subscription]:
    """Everything for an admin (or ``None``: the scheduler), otherwise the subscriber's own."""
    query = sa.select(table).order_by(table.c.name)
    if subscriber is not None and subscriber.role < Role.ADMIN:
        query = query.where(table.c.owner == subscriber.name)
    with engine.connect() as connection:
        return [_subscription(row) for row in connection.execute(query).mappings()]


def stamp(engine: sa.Engine) -> tuple[int, str]:
    """Changes whenever a subscription is added, changed or removed: the scheduler source's stamp."""
    with engine.connect() as connection:
        count, latest = connection.execute(sa.select(sa.func.count(), sa.func.max(table.c.updated_at))).one()
    return int(count), str(latest)


def _row(subscription: Subscription) -> dict[str, Any]:
    return {
        "name": subscription.name,
        "title": subscription.title,
        "page": subscription.page,
        "query": dict(subscription.query),
        "format": subscription.format,
        "cadence": subscription.cadence.as_json(),
        "schedule": subscription.schedule,
        "timezone": subscription.timezone,
        "deliveries": [dict(item) for item in subscription.deliveries],
        "condition": subscription.condition,
        "owner": subscription.owner,
        "owner_role": subscription.owner_role.label,
        "paused": subscription.paused,
    }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone; we always store UTC
        return value.replace(tzinfo=dt.UTC)
    return value


def _subscription(row: Any) -> Subscription:
    cadence = row["cadence"] or {}
    return Subscription(
        name=row["name"],
        title=row["title"],
        page=row["page"],
        query={str(k): str(v) for k, v in (row["query"] or {}).items()},
        format=row["format"],
        cadence=Cadence(
            str(cadence.get("kind", "cron")),
            str(cadence.get("time", "07:00")),
            str(cadence.get("day", "")),
            str(
                cadence.get("cron", "") or (row["schedule"] if cadence.get("kind", "cron") == "cron" else "")
            ),
        ),
        timezone=row["timezone"],
        deliveries=tuple(row["deliveries"] or ()),
        condition=row["condition"],
        owner=row["owner"],
        owner_role=Role.parse(row["owner_role"]),
        paused=bool(row["paused"]),
        created_at=_utc(row["created_at"]),
        updated_at=_utc(row["updated_at"]),
        updated_by=row["updated_by"],
    )


def _audit_details(subscription: Subscription) -> dict[str, Any]:
    return {
        "page": subscription.page_spec().relative_url(),
        "schedule": subscription.schedule,
        "timezone": subscription.timezone,
        "deliveries": [
            item.get("to") or item.get("url") or item.get("path") for item in subscription.deliveries
        ],
        "owner": subscription.owner,
        "paused": subscription.paused,
    }
