"""Checking rules: raise an alert when a condition starts to hold, resolve it when it stops.

An alert is delivered once when raised and once when resolved; deliveries that failed are retried
on the next check: a raised notice while the alert stays open, a resolved one for
``RESOLVED_RETRY_DAYS`` after the alert was resolved. While an alert is silenced or muted its
notices wait (the delivery log says why) and go out on the first check after, if still due.
A rule is checked under the same cross-process lock as reports, so two schedulers never raise
the same alert twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa

from models.registry import ModelRegistry, RegistryError
from portal.alerts import manage, notices, store
from portal.alerts.evaluate import Finding, RuleMismatch, evaluate
from portal.alerts.rules import AlertRule
from portal.config import Settings
from portal.reports.deliver import DeliveryError, Message, deliver
from portal.reports.fields import Delivery
from portal.reports.locks import AlreadyRunning, report_lock

log = logging.getLogger(__name__)
RESOLVED_RETRY_DAYS = 7


@dataclasses.dataclass(frozen=True)
class RuleOutcome:
    """What one check of a rule found and did; ``error`` when it could not be checked at all."""

    rule: str
    findings: list[Finding]
    raised: list[int]
    resolved: list[int]
    delivery_failures: list[str]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.delivery_failures


def check_rule(
    settings: Settings,
    engine: sa.Engine,
    registry: ModelRegistry,
    rule: AlertRule,
    now: dt.datetime | None = None,
) -> RuleOutcome:
    """Check ``rule`` once; never raises for a missing model, a busy lock or a database error."""
    try:
        with report_lock(settings.data_dir, f"alert:{rule.name}", engine):
            record, findings = evaluate(settings, engine, registry, rule, now)
            return _apply(settings, engine, rule, (record.name, record.version), findings)
    except AlreadyRunning:
        return RuleOutcome(rule.name, [], [], [], [], f"another check of alert {rule.name!r} is in progress")
    except (RegistryError, RuleMismatch) as exc:
        return RuleOutcome(rule.name, [], [], [], [], f"cannot check {rule.model}: {exc}")
    except sa.exc.SQLAlchemyError as exc:
        reason = f"the portal database cannot be reached: {type(exc).__name__}"
        log.warning("alert check failed", extra={"rule": rule.name, "error": reason})
        return RuleOutcome(rule.name, [], [], [], [], reason)
    except Exception as exc:  # a bug must still surface as a failed check, not kill the scheduler
        log.exception("alert check crashed", extra={"rule": rule.name})
        return RuleOutcome(rule.name, [], [], [], [], f"internal error: {type(exc).__name__}: {exc}")


def _apply(
    settings: Settings, engine: sa.Engine, rule: AlertRule, model: tuple[str, int], findings: list[Finding]
) -> RuleOutcome:
    raised, resolved, failures = [], [], []
    at = store.now()
    for finding in findings:
        current = store.open_alert(engine, rule.name, finding.kind)
        if finding.firing and current is None:
            alert = store.create(
                engine, rule.name, finding.kind, model, finding.summary, finding.details, finding.page, at
            )
            raised.append(alert.id)
            log.warning(
                "alert raised", extra={"rule": rule.name, "alert_id": alert.id, "summary": finding.summary}
            )
            failures += _send(settings, engine, rule, alert, "raised")
        elif finding.firing and current is not None:
            alert = store.update(
                engine,
                current.id,
                last_seen_at=at,
                model_version=model[1],
                summary=finding.summary,
                details=finding.details,
            )
            failures += _send(settings, engine, rule, alert, "raised")
        elif finding.firing is False and current is not None:
            alert = store.update(engine, current.id, status=store.RESOLVED, resolved_at=at, last_seen_at=at)
            resolved.append(alert.id)
            log.info("alert resolved", extra={"rule": rule.name, "alert_id": alert.id})
            failures += _send(settings, engine, rule, alert, "resolved", finding.summary)
    failures += _retry_resolved(settings, engine, rule, at, exclude=set(resolved))
    return RuleOutcome(rule.name, findings, raised, resolved, failures)


def _retry_resolved(
    settings: Settings, engine: sa.Engine, rule: AlertRule, at: dt.datetime, exclude: set[int]
) -> list[str]:
    """Resend the ``[RESOLVED]`` notices of this rule that failed, for alerts resolved lately."""
    since = at - dt.timedelta(days=RESOLVED_RETRY_DAYS)
    failures: list[str] = []
    for alert in store.resolved_since(engine, rule.name, since):
        if alert.id not in exclude:
            failures += _send(settings, engine, rule, alert, "resolved", retry_only=True)
    return failures


def _send(
    settings: Settings,
    engine: sa.Engine,
    rule: AlertRule,
    alert: store.Alert,
    event: str,
    seen: str = "",
    retry_only: bool = False,
) -> list[str]:
    """Deliver ``event`` to every channel that has not had it yet; record each attempt on the alert.

    With ``retry_only``, only channels whose earlier attempt failed are tried again.
    """
    done = {r["delivery"] for r in alert.deliveries if r.get("event") == event and r.get("ok")}
    pending = [d for d in rule.deliveries if d.describe() not in done]
    if retry_only:
        failed = {r["delivery"] for r in alert.deliveries if r.get("event") == event and r.get("error")}
        pending = [d for d in pending if d.describe() in failed]
    if not pending:
        return []
    held = manage.hold_reason(engine, alert, store.now())
    if held is not None:
        _record_held(engine, alert, event, pending, held)
        return []
    message: Message = notices.message(settings, rule, alert, event, seen)
    results: list[dict[str, Any]] = []
    failures = []
    for delivery in pending:
        entry: dict[str, Any] = {
            "delivery": delivery.describe(),
            "event": event,
            "at": store.now().isoformat(),
        }
        try:
            deliver(settings, delivery, message)
            entry["ok"] = True
        except DeliveryError as exc:
            entry.update(ok=False, error=str(exc))
            failures.append(str(exc))
            log.warning("alert delivery failed", extra={"alert_id": alert.id, "error": str(exc)})
        results.append(entry)
    store.update(engine, alert.id, deliveries=[*alert.deliveries, *results])
    return failures


def _record_held(
    engine: sa.Engine, alert: store.Alert, event: str, pending: list[Delivery], reason: str
) -> None:
    """Say in the delivery log why a notice waits, once per channel and reason, not on every check."""
    last: dict[str, dict[str, Any]] = {}
    for entry in alert.deliveries:
        if entry.get("event") == event:
            last[entry["delivery"]] = entry
    entries = [
        {"delivery": d.describe(), "event": event, "at": store.now().isoformat(), "ok": False, "held": reason}
        for d in pending
        if last.get(d.describe(), {}).get("held") != reason
    ]
    if entries:
        log.info("alert notice held", extra={"alert_id": alert.id, "reason": reason})
        store.update(engine, alert.id, deliveries=[*alert.deliveries, *entries])
