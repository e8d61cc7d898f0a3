"""The /reports part of the OpenAPI document: report definitions, subscriptions and run history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

SCHEDULE = {
    "type": "object",
    "description": "daily/weekly/monthly at a time (weekly: day mon..sun; monthly: day 1..28), or a cron",
    "properties": {
        "kind": {"enum": ["daily", "weekly", "monthly", "cron"]},
        "time": {"type": "string", "examples": ["07:30"]},
        "day": {"type": "string"},
        "cron": {"type": "string", "examples": ["0 7 * * mon-fri"]},
    },
}
DELIVERY = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["email", "webhook", "directory"]},
        "to": {"type": ["string", "array"], "items": {"type": "string"}},
        "url": {"type": "string"},
        "style": {"enum": ["json", "slack", "teams"]},
        "path": {"type": "string", "description": "directory deliveries are for admins only"},
    },
}
REPORT_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "page", "schedule", "deliveries"],
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "page": {"type": "string", "examples": ["/overview?model=churn&segment=region"]},
        "query": {"type": "object", "additionalProperties": {"type": "string"}},
        "format": {"enum": ["png", "pdf"]},
        "schedule": SCHEDULE,
        "timezone": {"type": "string", "examples": ["Europe/Berlin"]},
        "deliveries": {"type": "array", "items": DELIVERY, "minItems": 1},
        "condition": {"enum": ["alert_open", None]},
        "paused": {"type": "boolean"},
    },
}
REPORT = {
    "type": "object",
    "required": ["name", "title", "origin", "read_only", "format", "timezone", "next_run_at"],
    "properties": {
        "name": {"type": "string"},
        "title": {"type": "string"},
        "origin": {"enum": ["database", "file"]},
        "read_only": {"type": "boolean"},
        "page": {"type": "string"},
        "pages": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string"},
        "format": {"enum": ["png", "pdf"]},
        "schedule": {"type": ["object", "null"]},
        "timezone": {"type": "string"},
        "deliveries": {"type": "array", "items": DELIVERY},
        "owner": {"type": "string"},
        "role": {"enum": ["viewer", "analyst"]},
        "paused": {"type": "boolean"},
        "next_run_at": {"type": ["string", "null"]},
    },
}
REPORT_LIST = {
    "type": "object",
    "required": ["reports"],
    "properties": {"reports": {"type": "array", "items": REPORT}},
}
RUN = {
    "type": "object",
    "required": ["id", "report", "trigger", "status", "started_at", "files"],
    "properties": {
        "id": {"type": "integer"},
        "report": {"type": "string"},
        "trigger": {"type": "string"},
        "status": {"enum": ["queued", "running", "succeeded", "failed", "skipped"]},
        "started_at": {"type": "string"},
        "duration_seconds": {"type": ["number", "null"]},
        "error": {"type": ["string", "null"]},
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
            },
        },
    },
}
RUN_LIST = {"type": "object", "required": ["runs"], "properties": {"runs": {"type": "array", "items": RUN}}}
RUN_STARTED = {
    "type": "object",
    "required": ["run_id", "report", "status"],
    "properties": {
        "run_id": {"type": "integer"},
        "report": {"type": "string"},
        "status": {"const": "queued"},
    },
}


def report_paths(
    json: Callable[[Schema, str], Schema], error: Callable[[str], Schema], name: Schema
) -> dict[str, Any]:
    """The operations under /reports, built with the document's own response helpers."""
    missing = error("No report of that name that you may see")
    return {
        "/reports": {
            "get": {
                "summary": "Reports you may see: your subscriptions (admins: all, and the file's, read-only)",
                "responses": {
                    "200": json(REPORT_LIST, "The reports"),
                    "503": error("The portal database is not migrated"),
                },
            },
            "post": {
                "summary": "Subscribe: a scheduled report of one page in its URL state",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": REPORT_REQUEST}},
                },
                "responses": {
                    "201": json(REPORT, "The saved subscription"),
                    "400": error("Malformed JSON or body shape"),
                    "413": error("Too large a body"),
                    "415": error("Body is not JSON"),
                    "422": error("Refused, with every problem by field: cron, time zone, address, URL, page"),
                },
            },
        },
        "/reports/{name}": {
            "get": {
                "summary": "One report",
                "parameters": [name],
                "responses": {"200": json(REPORT, "The report"), "404": missing},
            },
            "delete": {
                "summary": "Delete a subscription (its run history stays)",
                "parameters": [name],
                "responses": {
                    "204": {"description": "Deleted"},
                    "404": missing,
                    "409": error("A report from the reports file: change it there"),
                },
            },
        },
        "/reports/{name}/run": {
            "post": {
                "summary": "Run a report now, in its own process",
                "parameters": [name],
                "responses": {"202": json(RUN_STARTED, "The run was queued"), "404": missing},
            }
        },
        "/reports/{name}/runs": {
            "get": {
                "summary": "A report's run history, newest first, with download links",
                "parameters": [
                    name,
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                ],
                "responses": {
                    "200": json(RUN_LIST, "The runs"),
                    "400": error("A bad limit"),
                    "404": missing,
                },
            }
        },
    }
