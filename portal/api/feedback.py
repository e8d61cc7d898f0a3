"""/api/v1/models/<name>/feedback: true outcomes or verdicts for logged predictions, from other systems."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request

from models.registry import ModelNotFound
from portal.api.errors import ApiError
from portal.feedback.store import FeedbackItem
from portal.services import Services

MAX_DETAILS = 100
ITEM_FIELDS = {"prediction_id", "outcome", "verdict"}


def _items(max_items: int) -> list[FeedbackItem]:
    """The body's feedback entries; ApiError 400/413/415 for a body of the wrong shape."""
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise ApiError(400, 'the body must be a JSON object like {"feedback": [{"prediction_id": ..., ...}]}')
    entries = body["feedback"]
    if not entries:
        raise ApiError(400, '"feedback" is empty: send at least one entry')
    if len(entries) > max_items:
        raise ApiError(413, f"{len(entries)} entries is more than the limit of {max_items} per call")
    items = []
    for row, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ApiError(400, f"entry {row} is not a JSON object")
        unknown = sorted(set(entry) - ITEM_FIELDS)
        if unknown:
            raise ApiError(
                400, f"entry {row} has unknown field(s) {', '.join(unknown)}; expected {sorted(ITEM_FIELDS)}"
            )
        pid = entry.get("prediction_id")
        items.append(
            FeedbackItem("" if pid is None else str(pid), entry.get("outcome"), entry.get("verdict"), row)
        )
    return items


def create_feedback_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_feedback", __name__)

    @api.post("/models/<name>/feedback")
    def give_feedback(name: str) -> tuple[Response, int] | Response:
        items = _items(services.settings.api_max_records)
        try:
            services.registry.get(name)
        except ModelNotFound as exc:
            raise ApiError(404, str(exc)) from None
        try:
            result = services.feedback.submit(name, items, source="api")
        except sa.exc.SQLAlchemyError as exc:
            raise ApiError(
                503, f"the portal database is unavailable ({type(exc).__name__}); nothing was stored"
            ) from None
        details: list[dict[str, Any]] = [
            {"row": p.row, "field": p.column, "message": p.message} for p in result.problems[:MAX_DETAILS]
        ]
        if not result.stored:
            raise ApiError(422, f"no entry was stored: {len(result.problems)} refused", details)
        return jsonify(model=name, stored=result.stored, refused=details)

    return api
