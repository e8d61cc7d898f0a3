"""The /alerts part of the OpenAPI document: listing, acknowledging and silencing alerts; listing rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.api.alerts import ACKNOWLEDGE_REQUEST, ALERT, SILENCE_REQUEST

Schema = dict[str, Any]

ALERT_RULE: Schema = {
    "type": "object",
    "required": ["name", "title", "source", "model", "window", "watches", "paused"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "source": {
            "enum": ["file", "page"],
            "description": "file: the reports file (read-only); page: made on a page",
        },
        "model": {"type": "string"},
        "window": {"enum": ["7d", "30d", "90d"]},
        "min_rows": {"type": "integer"},
        "dataset_drift": {"type": "boolean"},
        "feature_drift": {
            "type": ["string", "null"],
            "description": "One input whose own drift fires the rule",
        },
        "performance_drop": {
            "type": ["object", "null"],
            "properties": {
                "metric": {"type": "string"},
                "by": {"type": "number", "description": "A fraction of the reference when relative"},
                "relative": {"type": "boolean"},
                "min_labels": {"type": "integer"},
            },
        },
        "watches": {"type": "array", "items": {"type": "string"}},
        "schedule": {"type": ["string", "null"]},
        "timezone": {"type": "string"},
        "deliveries": {"type": "array", "items": {"type": "string"}},
        "owner": {"type": ["string", "null"]},
        "paused": {"type": "boolean"},
        "created_at": {"type": ["string", "null"]},
        "updated_at": {"type": ["string", "null"]},
    },
}

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
        "/alert-rules": {
            "get": {
                "summary": "Alert rules: the reports file's (read-only) and those made from pages (viewer)",
                "parameters": [{"name": "model", "in": "query", "schema": {"type": "string"}}],
                "responses": {
                    "200": json(
                        {"type": "object", "properties": {"rules": {"type": "array", "items": ALERT_RULE}}},
                        "The rules, file rules first",
                    ),
                    "400": error("Unknown parameter"),
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
