"""The /models/{name}/quality part of the OpenAPI document: input data quality per day."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal.monitoring.refusals import REASONS

Schema = dict[str, Any]
SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "null with no rows"}
NUMBERS: Schema = {
    "rows": {"type": "integer"},
    "missing": {"type": "integer"},
    "missing_share": SHARE,
    "below_min": {"type": "integer", "description": "Numbers below the training minimum"},
    "above_max": {"type": "integer", "description": "Numbers above the training maximum"},
    "out_of_range": {"type": "integer"},
    "out_of_range_share": SHARE,
    "unseen": {"type": "integer", "description": "Categories not seen in training"},
    "unseen_share": SHARE,
    "unseen_examples": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["value", "count"],
            "properties": {"value": {"type": "string"}, "count": {"type": "integer"}},
        },
    },
}
REFUSALS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["reason", "requests", "rows"],
        "properties": {
            "reason": {"enum": list(REASONS)},
            "requests": {"type": "integer", "description": "Predict requests refused for this reason"},
            "rows": {"type": "integer", "description": "Records they carried with it (0 when unknown)"},
        },
    },
}
QUALITY_RESPONSE = {
    "type": "object",
    "required": ["model", "version", "window", "status", "text", "rows", "min_rows", "features", "days"],
    "properties": {
        "model": {"type": "string"},
        "version": {"type": "integer", "description": "The version whose schema the rows are checked on"},
        "rows_version": {"type": ["integer", "null"], "description": "Only this version's rows; null: all"},
        "window": {"type": "string"},
        "window_note": {"type": "string"},
        "status": {"enum": ["ok", "not enough data"]},
        "text": {"type": "string", "description": "e.g. 'Not enough data: 2 rows, needs 100'"},
        "rows": {"type": "integer"},
        "min_rows": {"type": "integer"},
        "day_min_rows": {"type": "integer", "description": "A day with fewer rows is marked not enough"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["feature", "kind", "periods", *NUMBERS],
                "properties": {
                    "feature": {"type": "string"},
                    "kind": {"enum": ["numeric", "categorical", "datetime"]},
                    **NUMBERS,
                    "periods": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["day", "enough", *NUMBERS],
                            "properties": {
                                "day": {"type": "string", "format": "date"},
                                "enough": {"type": "boolean"},
                                **NUMBERS,
                            },
                        },
                    },
                },
            },
        },
        "days": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["day", "rows", "enough", "sampled", "refused"],
                "properties": {
                    "day": {"type": "string", "format": "date"},
                    "rows": {"type": "integer"},
                    "enough": {"type": "boolean"},
                    "sampled": {
                        "type": "boolean",
                        "description": "Counted on a uniform sample of the day's rows, scaled to all of them",
                    },
                    "refused": REFUSALS,
                },
            },
        },
        "refused": REFUSALS,
    },
}


def quality_paths(
    json: Callable[[Schema, str], Schema], error: Callable[[str], Schema], name: Schema
) -> dict[str, Any]:
    """The data-quality operation, built with the document's own response helpers."""
    return {
        "/models/{name}/quality": {
            "get": {
                "summary": "Missing, out-of-range and unseen input shares per day; refused requests (viewer)",
                "parameters": [
                    name,
                    {
                        "name": "window",
                        "in": "query",
                        "required": False,
                        "description": "7d, 30d, 90d or month:YYYY-MM (whole UTC days); default 7d",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "version",
                        "in": "query",
                        "required": False,
                        "description": "Check on this version's schema and count only its rows",
                        "schema": {"type": "integer", "minimum": 1},
                    },
                ],
                "responses": {
                    "200": json(QUALITY_RESPONSE, "Per feature and day, including 'not enough data'"),
                    "400": error("A window or version that cannot be used"),
                    "404": error("No such model or version"),
                    "503": error("The model version or the database is unavailable"),
                },
            }
        }
    }
