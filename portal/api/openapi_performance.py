"""The /models/{name}/performance part of the OpenAPI document: estimated and realized per period."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]
NULLABLE_NUMBER: Schema = {"type": ["number", "null"]}

ESTIMATED_METRIC: Schema = {
    "type": "object",
    "required": ["value", "standard_error", "lower", "upper"],
    "properties": {
        "value": NULLABLE_NUMBER,
        "standard_error": NULLABLE_NUMBER,
        "lower": NULLABLE_NUMBER,
        "upper": NULLABLE_NUMBER,
    },
}

PERIOD: Schema = {
    "type": "object",
    "required": ["start", "rows", "labels", "status", "note", "estimated", "realized"],
    "properties": {
        "start": {"type": "string", "format": "date"},
        "rows": {"type": "integer", "minimum": 0},
        "labels": {"type": "integer", "minimum": 0},
        "status": {"enum": ["estimated", "not enough data", "unavailable"]},
        "note": {"type": "string"},
        "estimated": {"type": "object", "additionalProperties": ESTIMATED_METRIC},
        "realized": {"type": "object", "additionalProperties": {"type": "number"}},
    },
}

PERFORMANCE_RESPONSE: Schema = {
    "type": "object",
    "required": ["model", "version", "task", "source", "period", "metrics", "min_rows", "status", "periods"],
    "properties": {
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "task": {"type": "string"},
        "source": {"enum": ["live"]},
        "period": {"enum": ["day", "week"]},
        "metrics": {"type": "array", "items": {"type": "string"}},
        "min_rows": {"type": "integer"},
        "calibrated": {"type": ["boolean", "null"]},
        "status": {"enum": ["estimated", "not enough data", "no data", "unavailable"]},
        "reason": {"type": "string"},
        "assumption": {"type": "string"},
        "periods": {"type": "array", "items": PERIOD},
    },
}


def performance_paths(
    json: Callable[[Schema, str], Schema], error: Callable[[str], Schema], name: Schema
) -> dict[str, Any]:
    """The performance operation, built with the document's own response helpers."""
    query = [
        {"name": "source", "in": "query", "required": False, "schema": {"enum": ["live"]}},
        {"name": "period", "in": "query", "required": False, "schema": {"enum": ["day", "week"]}},
        {
            "name": "version",
            "in": "query",
            "required": False,
            "description": "One version's rows and estimator; default: the active version",
            "schema": {"type": "integer", "minimum": 1},
        },
    ]
    return {
        "/models/{name}/performance": {
            "get": {
                "summary": "Estimated (no labels needed) and realized metrics per day or week (viewer)",
                "parameters": [name, *query],
                "responses": {
                    "200": json(PERFORMANCE_RESPONSE, "Per period, including 'not enough data'"),
                    "400": error("Unknown parameter, or a source, period or version the API cannot use"),
                    "404": error("No such model or version"),
                    "503": error("The model version or the prediction log is unavailable"),
                },
            }
        }
    }
