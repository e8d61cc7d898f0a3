"""The audit log: who did which admin action, when, and from where."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from portal.db.auth import audit_log
from portal.web.identity import current_user

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    remote_addr: str


def record(
    engine: sa.Engine, action: str, target: str = "", actor: str | None = None, **details: Any
) -> None:
    """Append one entry; the actor and address come from the request unless given (the CLI)."""
    remote = (request.remote_addr or "") if has_request_context() else "cli"
    entry = {
        "at": dt.datetime.now(dt.UTC),
        "actor": actor or current_user(),
        "action": action,
        "target": target[:500],
        "details": json.dumps(details, default=str, sort_keys=True),
        "remote_addr": remote[:64],
    }
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(**entry))
    log.info("audit %s", action, extra={"actor": entry["actor"], "target": entry["target"]})


def recent(engine: sa.Engine, limit: int = 500) -> list[AuditEntry]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.audit_id.desc()).limit(limit)
        ).mappings()
        return [
            AuditEntry(
                at=row["at"] if row["at"].tzinfo else row["at"].replace(tzinfo=dt.UTC),
                actor=row["actor"],
                action=row["action"],
                target=row["target"],
                details=json.loads(row["details"] or "{}"),
                remote_addr=row["remote_addr"],
            )
            for row in rows
        ]
