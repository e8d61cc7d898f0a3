"""What an alert sends when it is raised or resolved: a delivery message with a link to the page.

The alert is also written as a JSON file under the data dir and attached, so a directory delivery
drops a machine-readable record and an email carries the figures.
"""

from __future__ import annotations

import json
from pathlib import Path

from portal.alerts.rules import AlertRule
from portal.alerts.store import Alert
from portal.config import Settings
from portal.reports.deliver import Link, Message

KIND_NAMES = {
    "dataset_drift": "dataset drift",
    "feature_drift": "feature drift",
    "performance_drop": "live performance drop",
}
EVENTS = ("raised", "resolved")


def _stamp(alert: Alert) -> str:
    return alert.raised_at.isoformat(timespec="seconds")


def payload(settings: Settings, rule: AlertRule, alert: Alert, event: str) -> dict:
    """The plain-JSON webhook body, also written as the attached file."""
    return {
        "alert_id": alert.id,
        "event": event,
        "rule": rule.name,
        "title": rule.title,
        "kind": alert.kind,
        "model": alert.model_name,
        "version": alert.model_version,
        "status": alert.status,
        "summary": alert.summary,
        "details": alert.details,
        "raised_at": _stamp(alert),
        "resolved_at": alert.resolved_at.isoformat(timespec="seconds") if alert.resolved_at else None,
        "url": settings.report_origin + alert.page,
    }


def write_record(data_dir: Path, body: dict) -> Path:
    """``<data dir>/alerts/alert-<id>-<event>.json``, replaced atomically."""
    folder = Path(data_dir) / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"alert-{body['alert_id']}-{body['event']}.json"
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(body, indent=2, default=str), encoding="utf-8")
    temporary.replace(target)
    return target


def message(settings: Settings, rule: AlertRule, alert: Alert, event: str, now_seen: str = "") -> Message:
    """The notice for ``event`` (raised or resolved) of ``alert``; ``now_seen`` is what the check found."""
    body = payload(settings, rule, alert, event)
    if now_seen:
        body["now"] = now_seen
    kind = KIND_NAMES.get(alert.kind, alert.kind)
    headline = f"[{event.upper()}] {rule.title}: {kind} on {alert.model_name}"
    lines = [f"Alert {alert.id} of rule {rule.name}, raised {_stamp(alert)}."]
    if event == "resolved" and alert.resolved_at is not None:
        lines.append(
            f"Resolved {alert.resolved_at.isoformat(timespec='seconds')}: the condition no longer holds."
        )
    return Message(
        title=headline,
        summary=alert.summary,
        body=tuple(lines),
        links=(Link(f"Open {kind} in the portal", body["url"]),),
        files=(write_record(settings.data_dir, body),),
        payload=body,
    )
