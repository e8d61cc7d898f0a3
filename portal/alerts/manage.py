"""What people do to alerts: acknowledge, silence for a while, and keep mute windows; each is audited.

Every input is checked before anything is written, so a refused request leaves nothing half-saved.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from portal.alerts import mute, store
from portal.alerts.errors import AlertConflict, AlertInputError, AlertNotFound
from portal.security import audit

log = logging.getLogger(__name__)
DURATION = re.compile(r"(\d{1,5})\s*([mhdw])")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_SILENCE = dt.timedelta(days=30)
SILENCE_CHOICES = ("1h", "4h", "1d", "1w")


def parse_duration(raw: Any) -> dt.timedelta:
    """``30m``, ``4h``, ``1d`` or ``1w``: from one minute to 30 days."""
    text = raw.strip().lower() if isinstance(raw, str) else ""
    match = DURATION.fullmatch(text)
    if match is None:
        raise AlertInputError(
            f"duration: expected a number and a unit m, h, d or w, such as 4h or 1d, not {raw!r}"
        )
    span = dt.timedelta(seconds=int(match.group(1)) * UNIT_SECONDS[match.group(2)])
    if not dt.timedelta(minutes=1) <= span <= MAX_SILENCE:
        raise AlertInputError(f"duration: from 1m to 30d, not {text}")
    return span


def _open_alert(engine: sa.Engine, alert_id: Any, action: str) -> store.Alert:
    if not isinstance(alert_id, int) or isinstance(alert_id, bool) or alert_id < 1:
        raise AlertNotFound(f"no alert with id {alert_id!r}")
    alert = store.find(engine, alert_id)
    if alert is None:
        raise AlertNotFound(f"no alert with id {alert_id}")
    if alert.status != store.OPEN:
        raise AlertConflict(f"alert {alert_id} is resolved; only open alerts can be {action}")
    return alert


def acknowledge(engine: sa.Engine, alert_id: Any, who: str, comment: Any = None) -> store.Alert:
    """Mark an open alert as seen by ``who``, with an optional comment of up to 500 characters."""
    text = mute.check_comment(comment)
    alert = _open_alert(engine, alert_id, "acknowledged")
    if alert.acknowledged_by is not None:
        raise AlertConflict(
            f"alert {alert.id} was already acknowledged by {alert.acknowledged_by} "
            f"at {alert.acknowledged_at:%Y-%m-%d %H:%M} UTC"
        )
    at = store.now()
    updated = store.update(
        engine, alert.id, acknowledged_by=who[:200], acknowledged_at=at, acknowledge_comment=text or None
    )
    audit.record(engine, "alert.acknowledge", f"alert {alert.id}", actor=who, rule=alert.rule, comment=text)
    return updated


def silence(engine: sa.Engine, alert_id: Any, who: str, duration: Any, comment: Any = None) -> store.Alert:
    """Hold back an open alert's notices for ``duration``; it stays recorded and shown meanwhile."""
    span = parse_duration(duration)
    text = mute.check_comment(comment)
    alert = _open_alert(engine, alert_id, "silenced")
    at = store.now()
    updated = store.update(
        engine,
        alert.id,
        silenced_until=at + span,
        silenced_by=who[:200],
        silenced_at=at,
        silence_comment=text or None,
    )
    audit.record(
        engine,
        "alert.silence",
        f"alert {alert.id}",
        actor=who,
        rule=alert.rule,
        until=updated.silenced_until.isoformat(),
        comment=text,
    )
    return updated


def add_window(engine: sa.Engine, raw: Mapping[str, Any], rules: Iterable[str], who: str) -> mute.MuteWindow:
    """Check and store a mute window, then audit it."""
    fields = mute.check_window(raw, rules)
    window = mute.add(engine, fields, who, store.now())
    audit.record(engine, "alert_mute.create", window.name, actor=who, window=window.describe())
    return window


def delete_window(engine: sa.Engine, window_id: Any, who: str) -> mute.MuteWindow:
    """Remove a mute window, then audit it."""
    if not isinstance(window_id, int) or isinstance(window_id, bool):
        raise AlertNotFound(f"no mute window with id {window_id!r}")
    window = mute.delete(engine, window_id)
    audit.record(engine, "alert_mute.delete", window.name, actor=who, window=window.describe())
    return window


def hold_reason(engine: sa.Engine, alert: store.Alert, at: dt.datetime) -> str | None:
    """Why ``alert``'s notices must wait at ``at`` (its silence, then a mute window), or None."""
    if alert.silenced_at_time(at):
        reason = f"silenced until {alert.silenced_until:%Y-%m-%d %H:%M} UTC by {alert.silenced_by}"
        return reason + (f": {alert.silence_comment}" if alert.silence_comment else "")
    window = mute.muting(engine, alert.rule, at)
    if window is not None:
        return f"muted by window {window.name!r} ({window.describe()})"
    return None
