"""/api/v1/alerts: list alerts, acknowledge one, silence one; /api/v1/alert-rules lists the rules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request

from portal.alerts import manage, rule_store, store
from portal.alerts.errors import AlertInputError
from portal.api.bodies import json_object_body
from portal.api.errors import ApiError
from portal.services import Services
from portal.web.identity import current_user

STATUSES = (store.OPEN, store.RESOLVED)
MAX_LIMIT = 500


def _stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def alert_json(alert: store.Alert, held: str | None = None) -> dict[str, Any]:
    """One alert as the API shows it: its state, who acknowledged or silenced it, and its deliveries."""
    acknowledged = None
    if alert.acknowledged_by is not None:
        acknowledged = {
            "by": alert.acknowledged_by,
            "at": _stamp(alert.acknowledged_at),
            "comment": alert.acknowledge_comment or "",
        }
    silenced = None
    if alert.silenced_until is not None:
        silenced = {
            "until": _stamp(alert.silenced_until),
            "by": alert.silenced_by or "",
            "at": _stamp(alert.silenced_at),
            "comment": alert.silence_comment or "",
        }
    return {
        "id": alert.id,
        "rule": alert.rule,
        "kind": alert.kind,
        "model": alert.model_name,
        "version": alert.model_version,
        "status": alert.status,
        "summary": alert.summary,
        "page": alert.page,
        "raised_at": _stamp(alert.raised_at),
        "last_seen_at": _stamp(alert.last_seen_at),
        "resolved_at": _stamp(alert.resolved_at),
        "acknowledged": acknowledged,
        "silenced": silenced,
        "held": held,
        "deliveries": alert.deliveries,
    }


def _alert_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise ApiError(404, f"no alert with id {raw!r}")
    return int(raw)


def _limit(raw: str | None) -> int:
    if raw is None:
        return 50
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"limit: expected a whole number from 1 to {MAX_LIMIT}, not {raw!r}")
    return int(raw)


def create_alerts_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_alerts", __name__)

    def act(action: Any) -> Response:
        try:
            alert = action()
        except AlertInputError as exc:
            raise ApiError(exc.status, str(exc)) from None
        except sa.exc.SQLAlchemyError as exc:
            raise ApiError(
                503, f"the portal database is unavailable ({type(exc).__name__}); nothing was changed"
            ) from None
        return jsonify(alert_json(alert, manage.hold_reason(services.engine, alert, store.now())))

    @api.get("/alerts")
    def list_alerts() -> Response:
        unknown = sorted(set(request.args) - {"status", "model", "limit"})
        if unknown:
            raise ApiError(400, f"unknown parameter(s): {', '.join(unknown)}; expected status, model, limit")
        status = request.args.get("status")
        if status is not None and status not in STATUSES:
            raise ApiError(400, f"status: expected open or resolved, not {status!r}")
        limit = _limit(request.args.get("limit"))
        try:
            found = store.listed(services.engine, request.args.get("model"), status, limit)
            now = store.now()
            rows = [alert_json(a, manage.hold_reason(services.engine, a, now)) for a in found]
        except sa.exc.SQLAlchemyError as exc:
            raise ApiError(503, f"the portal database is unavailable ({type(exc).__name__})") from None
        return jsonify(alerts=rows)

    @api.get("/alert-rules")
    def list_alert_rules() -> Response:
        """The file's rules (read-only) and those made from pages, paused ones included."""
        unknown = sorted(set(request.args) - {"model"})
        if unknown:
            raise ApiError(400, f"unknown parameter(s): {', '.join(unknown)}; expected model")
        model = request.args.get("model")
        settings, engine = services.settings, services.engine
        try:
            if model is not None:
                found = rule_store.rules_on_model(settings, engine, model)
            else:
                page = rule_store.listing(engine)
                files = [rule_store.StoredRule(rule) for rule in rule_store.file_rules(settings).values()]
                found = files + [s for s in page if s.name not in {f.name for f in files}]
        except sa.exc.SQLAlchemyError as exc:
            raise ApiError(503, f"the portal database is unavailable ({type(exc).__name__})") from None
        return jsonify(rules=[stored.as_json() for stored in found])

    @api.post("/alerts/<alert_id>/acknowledge")
    def acknowledge(alert_id: str) -> Response:
        body = json_object_body(("comment",), '{"comment": "looking into it"}')
        number = _alert_id(alert_id)
        return act(lambda: manage.acknowledge(services.engine, number, current_user(), body.get("comment")))

    @api.post("/alerts/<alert_id>/silence")
    def silence(alert_id: str) -> Response:
        body = json_object_body(("duration", "comment"), '{"duration": "4h", "comment": "deploy"}')
        if "duration" not in body:
            raise ApiError(400, '"duration" is required, e.g. "1h", "4h", "1d" or "1w"')
        number = _alert_id(alert_id)
        return act(
            lambda: manage.silence(
                services.engine, number, current_user(), body["duration"], body.get("comment")
            )
        )

    return api


NOTE = {"type": "object", "additionalProperties": {"type": "string"}}
ALERT = {
    "type": "object",
    "required": ["id", "rule", "kind", "model", "status", "summary", "page", "deliveries"],
    "properties": {
        "id": {"type": "integer"},
        "rule": {"type": "string"},
        "kind": {"type": "string"},
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "status": {"enum": list(STATUSES)},
        "summary": {"type": "string"},
        "page": {"type": "string", "description": "The portal page that explains the alert"},
        "raised_at": {"type": "string"},
        "last_seen_at": {"type": "string"},
        "resolved_at": {"type": ["string", "null"]},
        "acknowledged": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
        "silenced": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
        "held": {"type": ["string", "null"], "description": "Why notices are held back now, if they are"},
        "deliveries": {"type": "array", "items": {"type": "object"}},
    },
}
COMMENT = {"type": "string", "maxLength": manage.mute.COMMENT_LIMIT}
ACKNOWLEDGE_REQUEST = {"type": "object", "additionalProperties": False, "properties": {"comment": COMMENT}}
SILENCE_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["duration"],
    "properties": {
        "duration": {"type": "string", "pattern": "^[0-9]{1,5}[mhdw]$", "examples": ["1h", "4h", "1d", "1w"]},
        "comment": COMMENT,
    },
}
