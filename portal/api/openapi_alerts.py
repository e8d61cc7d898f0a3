"""The /alerts part of the OpenAPI document: listing, acknowledging and silencing alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.api.alerts import ACKNOWLEDGE_REQUEST, ALERT, SILENCE_REQUEST

Schema = dict[str, Any]

ALERT_FILTERS = [
    {"name": "status", "in": "query", "schema": {"enum": ["open", "resolved"]}},
    {"name": "model", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
]


def _alert_action(
    summary: str, body: Schema, json: Callable[[Schema, str], Schema], error: Callable[[str], Schema]
) -> Schema:
    """A POST on one alert: the alert as changed, or why nothing changed."""
    return {
        "post": {
            "summary": summary,
            "parameters": [
                {"name": "alert_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": json(ALERT, "The alert as changed"),
                "400": error("Malformed JSON or body shape"),
                "404": error("No such alert"),
                "409": error("The alert is resolved, or already acknowledged"),
                "413": error("Too large a body"),
                "415": error("Body is not JSON"),
                "422": error("A comment over 500 characters or a bad duration"),
                "503": error("The portal database is unavailable"),
            },
        }
    }


def alert_paths(json: Callable[[Schema, str], Schema], error: Callable[[str], Schema]) -> dict[str, Any]:
    """The operations under /alerts, built with the document's own response helpers."""
    return {
        "/alerts": {
            "get": {
                "summary": "Alerts newest first, with acknowledgement, silence and deliveries (viewer)",
                "parameters": ALERT_FILTERS,
                "responses": {
                    "200": json(
                        {"type": "object", "properties": {"alerts": {"type": "array", "items": ALERT}}},
                        "The alerts",
                    ),
                    "400": error("Unknown parameter, status or limit"),
                    "503": error("The portal database is unavailable"),
                },
            }
        },
        "/alerts/{alert_id}/acknowledge": _alert_action(
            "Acknowledge an open alert, with an optional comment (analyst)", ACKNOWLEDGE_REQUEST, json, error
        ),
        "/alerts/{alert_id}/silence": _alert_action(
            "Hold back an open alert's notices for 1m to 30d; it stays recorded (analyst)",
            SILENCE_REQUEST,
            json,
            error,
        ),
    }
