"""Promotions and rollbacks of model versions, each recorded (who, when, from, to, where) for audit.

The registry's ACTIVE marker does the switching, so every worker follows on its next request;
this module adds the audit row and the rollback rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models.registry import ModelRegistry, ModelVersion, RegistryError
from portal.db.feedback import model_promotions
from portal.security import audit

log = logging.getLogger(__name__)
ORIGINS = ("cli", "page", "api")


@dataclasses.dataclass(frozen=True)
class Switch:
    """What one promotion or rollback did."""

    model: str
    from_version: int | None
    to_version: int
    action: str


def _current(registry: ModelRegistry, name: str) -> int | None:
    try:
        return registry.active_version(name)
    except RegistryError:
        return None


def promote(
    registry: ModelRegistry, engine: sa.Engine, name: str, version: int, user: str, origin: str
) -> Switch:
    """Make ``version`` active and record it; a later version than the active one is a promotion."""
    before = _current(registry, name)
    action = "rollback" if before is not None and version < before else "promote"
    return _switch(registry, engine, name, version, before, action, user, origin)


def rollback(
    registry: ModelRegistry, engine: sa.Engine, name: str, version: int | None, user: str, origin: str
) -> Switch:
    """Go back to ``version``, or to the version active before the current one when None."""
    before = _current(registry, name)
    if version is None:
        version = previous_version(registry, engine, name, before)
    if before is not None and version == before:
        raise RegistryError(f"{name} v{version} is already active")
    return _switch(registry, engine, name, version, before, "rollback", user, origin)


def previous_version(registry: ModelRegistry, engine: sa.Engine, name: str, active: int | None) -> int:
    """An earlier version: the one ``active`` replaced (audit) when older, else the next lower one."""
    query = (
        sa.select(model_promotions.c.from_version)
        .where(model_promotions.c.model_name == name, model_promotions.c.to_version == active)
        .where(model_promotions.c.from_version.is_not(None))
        .order_by(model_promotions.c.promotion_id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        found = connection.execute(query).scalar()
    numbers = [v.version for v in registry.versions(name)]
    if found is not None and found in numbers and (active is None or found < active):
        return int(found)
    lower = [n for n in numbers if active is None or n < active]
    if not lower:
        raise RegistryError(f"{name} has no version before v{active} to roll back to")
    return max(lower)


def _switch(
    registry: ModelRegistry,
    engine: sa.Engine,
    name: str,
    version: int,
    before: int | None,
    action: str,
    user: str,
    origin: str,
) -> Switch:
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}")
    registry.get(name, version)  # refuse an unknown version before touching anything
    # The audit row and the switch commit together: no switch without its row, no row without the switch.
    with engine.begin() as connection:
        connection.execute(
            model_promotions.insert().values(
                model_name=name,
                from_version=before,
                to_version=version,
                action=action,
                user_name=user,
                origin=origin,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        record: ModelVersion = registry.promote(name, version)
    if origin == "cli":
        # The page writes its own audit entry (with the request's address); the CLI's goes here.
        audit.record(engine, f"model.{action}", f"{name} v{record.version}", actor=user, from_version=before)
    log.info(
        "model version switched",
        extra={
            "model": name,
            "from": before,
            "to": version,
            "action": action,
            "user": user,
            "origin": origin,
        },
    )
    return Switch(name, before, record.version, action)


def history(engine: sa.Engine, name: str, limit: int = 50) -> pd.DataFrame:
    """The newest promotions and rollbacks of a model first."""
    table = model_promotions.c
    query = (
        sa.select(
            table.created_at,
            table.action,
            table.from_version,
            table.to_version,
            table.user_name,
            table.origin,
        )
        .where(table.model_name == name)
        .order_by(table.promotion_id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        rows: list[Any] = connection.execute(query).all()
    columns = ["created_at", "action", "from_version", "to_version", "user_name", "origin"]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)
