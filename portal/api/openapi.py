"""The OpenAPI 3.1 document for /api/v1, served at /api/v1/openapi.json and checked by tests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from portal.api.openapi_alerts import alert_paths
from portal.api.openapi_performance import performance_paths
from portal.api.openapi_quality import quality_paths
from portal.api.openapi_reports import report_paths

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "request_id": {"type": ["string", "null"]},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["row", "field", "message"],
                        "properties": {
                            "row": {"type": "integer"},
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
VERSION_SUMMARY = {
    "type": "object",
    "required": ["version", "task", "created_at", "metrics", "model_sha256"],
    "properties": {
        "version": {"type": "integer"},
        "task": {"enum": ["classification", "regression"]},
        "created_at": {"type": "string"},
        "metrics": {"type": "object", "additionalProperties": {"type": "number"}},
        "model_sha256": {"type": "string"},
    },
}
FEATURE = {
    "type": "object",
    "required": ["name", "type", "required"],
    "properties": {
        "name": {"type": "string"},
        "type": {"enum": ["numeric", "categorical", "datetime"]},
        "required": {"type": "boolean"},
        "categories": {"type": "array"},
        "min": {},
        "max": {},
        "integer": {"type": "boolean"},
    },
}
MODEL_LIST = {
    "type": "object",
    "required": ["models"],
    "properties": {
        "models": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "active_version": {"type": "integer"},
                    "error": {"type": "string"},
                },
            },
        }
    },
}
MODEL_DETAIL = {
    "type": "object",
    "required": ["name", "active_version", "version", "task", "target", "classes", "features", "versions"],
    "properties": {
        "name": {"type": "string"},
        "active_version": {"type": "integer"},
        "version": {"type": "integer"},
        "task": {"enum": ["classification", "regression"]},
        "target": {"type": "string"},
        "classes": {"type": "array"},
        "features": {"type": "array", "items": FEATURE},
        "metrics": {"type": "object"},
        "global_importance": {"type": "object", "additionalProperties": {"type": "number"}},
        "versions": {"type": "array", "items": VERSION_SUMMARY},
    },
}
PREDICT_REQUEST = {
    "type": "object",
    "required": ["records"],
    "additionalProperties": False,
    "properties": {
        "records": {"type": "array", "minItems": 1, "items": {"type": "object"}},
        "version": {"type": "integer", "minimum": 1},
    },
}
PREDICT_RESPONSE = {
    "type": "object",
    "required": ["model", "version", "task", "predictions", "warnings"],
    "properties": {
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "task": {"enum": ["classification", "regression"]},
        "predictions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["prediction_id", "prediction"],
                "properties": {
                    "prediction_id": {"type": "string"},
                    "prediction": {},
                    "probabilities": {"type": "object", "additionalProperties": {"type": "number"}},
                },
            },
        },
        "warnings": {
            "type": "array",
            "items": ERROR["properties"]["error"]["properties"]["details"]["items"],
        },
    },
}
FEEDBACK_REQUEST = {
    "type": "object",
    "required": ["feedback"],
    "additionalProperties": False,
    "properties": {
        "feedback": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["prediction_id"],
                "additionalProperties": False,
                "properties": {
                    "prediction_id": {
                        "type": "string",
                        "minLength": 1,
                        "description": "From a prediction response or a batch",
                    },
                    "outcome": {"description": "The true outcome: one of the classes, or a number"},
                    "verdict": {"type": "string", "enum": ["correct", "incorrect"]},
                },
            },
        }
    },
}
FEEDBACK_RESPONSE = {
    "type": "object",
    "required": ["model", "stored", "refused"],
    "properties": {
        "model": {"type": "string"},
        "stored": {"type": "integer"},
        "refused": {"type": "array", "items": ERROR["properties"]["error"]["properties"]["details"]["items"]},
    },
}
EMBED_TOKEN_REQUEST = {
    "type": "object",
    "required": ["page"],
    "additionalProperties": False,
    "properties": {
        "page": {
            "type": "string",
            "minLength": 1,
            "description": "A page that can be embedded: /, /overview, /what-if, /performance, /models, ...",
        },
        "query": {
            "type": "object",
            "description": "Query values the link pins; the frame cannot change them",
            "additionalProperties": {"type": ["string", "number"]},
        },
        "ttl": {
            "type": ["string", "integer"],
            "description": "Lifetime such as 90s, 15m, 1h or 7d, or seconds",
            "default": "1h",
        },
    },
}
NULLABLE_NUMBER = {"type": ["number", "null"]}
DRIFT_FEATURE = {
    "type": "object",
    "required": ["feature", "kind", "test", "status", "drifted", "statistic", "threshold"],
    "properties": {
        "feature": {"type": "string"},
        "kind": {"enum": ["numeric", "categorical"]},
        "test": {"enum": ["wasserstein", "jensenshannon", "ks", "chisquare", "z", "none"]},
        "status": {"enum": ["drifted", "stable", "not enough data", "no data"]},
        "drifted": {"type": "boolean"},
        "statistic": NULLABLE_NUMBER,
        "threshold": NULLABLE_NUMBER,
        "adjusted_p": {**NULLABLE_NUMBER, "description": "Benjamini-Hochberg adjusted p, when on"},
        "psi": NULLABLE_NUMBER,
        "reference_rows": {"type": "integer"},
        "current_rows": {"type": "integer"},
    },
}
DRIFT_RESPONSE = {
    "type": "object",
    "required": ["model", "version", "window", "verdict", "rows", "thresholds", "features"],
    "properties": {
        "model": {"type": "string"},
        "version": {"type": "integer"},
        "window": {"type": "string"},
        "window_note": {"type": "string", "description": "Why this window, when none was asked for"},
        "since": {"type": ["string", "null"], "format": "date-time"},
        "until": {"type": ["string", "null"], "format": "date-time"},
        "verdict": {
            "type": "object",
            "required": ["status", "text", "drifted", "sizes"],
            "properties": {
                "status": {"enum": ["drifted", "stable", "not enough data"]},
                "text": {"type": "string", "description": "e.g. 'Not enough data: 2 rows, needs 100'"},
                "drifted": {"type": "boolean"},
                "drifted_share": NULLABLE_NUMBER,
                "drifted_features": {"type": "array", "items": {"type": "string"}},
                "features_judged": {"type": "integer"},
                "features": {"type": "integer"},
                "sizes": {"type": "string"},
            },
        },
        "rows": {
            "type": "object",
            "required": ["logged", "compared", "reference", "sampled", "min_rows"],
            "properties": {
                "logged": {"type": "integer"},
                "compared": {"type": "integer"},
                "reference": {"type": "integer"},
                "sampled": {"type": "boolean"},
                "min_rows": {"type": "integer"},
            },
        },
        "thresholds": {"type": "object"},
        "features": {"type": "array", "items": DRIFT_FEATURE},
        "history": {"type": "array", "items": {"type": "object"}},
        "prediction_spread": {"type": "array", "items": {"type": "object"}},
    },
}
EMBED_TOKEN_RESPONSE = {
    "type": "object",
    "required": ["url", "path", "token", "page", "query", "expires_at"],
    "properties": {
        "url": {"type": "string", "description": "Full URL to put in an iframe's src"},
        "path": {"type": "string"},
        "token": {"type": "string"},
        "page": {"type": "string"},
        "query": {"type": "object", "additionalProperties": {"type": "string"}},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json({"$ref": "#/components/schemas/Error"}, description)


NAME_PARAMETER = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}


# Every operation may be refused before it runs: without sign-in, or for a role or token too narrow.
REFUSALS = {
    "401": _error("Not signed in, or the API token is unknown, revoked or expired"),
    "403": _error("The role or API token may not do this, or not with this model"),
}


def openapi_document() -> dict[str, Any]:
    """The whole document; paths are relative to the server URL /api/v1."""
    document = _paths()
    for path in document["paths"].values():
        for operation in path.values():
            operation["responses"] = {**operation["responses"], **REFUSALS}
    return document


def _paths() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Analytics Portal prediction API",
            "version": "1",
            "description": (
                "Predictions from registered scikit-learn models, and scheduled reports; "
                "errors share one JSON shape."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/models": {
                "get": {
                    "summary": "Registered models and their active versions",
                    "responses": {"200": _json(MODEL_LIST, "The models")},
                }
            },
            "/models/{name}": {
                "get": {
                    "summary": "Metadata and input schema of a model's active version",
                    "parameters": [NAME_PARAMETER],
                    "responses": {
                        "200": _json(MODEL_DETAIL, "The model"),
                        "404": _error("No such model"),
                    },
                }
            },
            "/models/{name}/predict": {
                "post": {
                    "summary": "Predict for up to the configured number of records",
                    "parameters": [NAME_PARAMETER],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": PREDICT_REQUEST}},
                    },
                    "responses": {
                        "200": _json(PREDICT_RESPONSE, "One prediction per record, in order"),
                        "400": _error("Malformed JSON or body shape"),
                        "404": _error("No such model or version"),
                        "413": _error("Too many records or too large a body"),
                        "415": _error("Body is not JSON"),
                        "422": _error("Values that do not fit the model's schema, by row and field"),
                        "503": _error("The model version cannot be loaded"),
                    },
                }
            },
            "/models/{name}/drift": {
                "get": {
                    "summary": "The Drift page's verdict and feature table for a window of logged rows",
                    "parameters": [
                        NAME_PARAMETER,
                        {
                            "name": "window",
                            "in": "query",
                            "required": False,
                            "description": "7d, 30d, 90d, month:YYYY-MM or batch:<id>; default: the page's",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "version",
                            "in": "query",
                            "required": False,
                            "description": "Pin one version; default: the active version, all versions' rows",
                            "schema": {"type": "integer", "minimum": 1},
                        },
                    ],
                    "responses": {
                        "200": _json(DRIFT_RESPONSE, "The verdict, including 'not enough data'"),
                        "400": _error("A window or version the page cannot use"),
                        "404": _error("No such model or version"),
                        "503": _error("The model version cannot be loaded"),
                    },
                }
            },
            "/models/{name}/feedback": {
                "post": {
                    "summary": "Store true outcomes or verdicts for logged predictions; the latest counts",
                    "parameters": [NAME_PARAMETER],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": FEEDBACK_REQUEST}},
                    },
                    "responses": {
                        "200": _json(FEEDBACK_RESPONSE, "What was stored, and each refused entry by row"),
                        "400": _error("Malformed JSON or body shape"),
                        "404": _error("No such model"),
                        "413": _error("Too many entries or too large a body"),
                        "415": _error("Body is not JSON"),
                        "422": _error(
                            "No entry could be stored: unknown ids, wrong label types, other models"
                        ),
                        "503": _error("The portal database is unavailable"),
                    },
                }
            },
            "/embed-tokens": {
                "post": {
                    "summary": "Issue a signed, expiring link that embeds one page in an iframe",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": EMBED_TOKEN_REQUEST}},
                    },
                    "responses": {
                        "201": _json(EMBED_TOKEN_RESPONSE, "The link and when it expires"),
                        "400": _error("Malformed JSON or body shape"),
                        "413": _error("Too large a body"),
                        "415": _error("Body is not JSON"),
                        "422": _error("Unknown or admin-only page, bad query values or lifetime"),
                    },
                }
            },
            **report_paths(_json, _error, NAME_PARAMETER),
            **alert_paths(_json, _error),
            **quality_paths(_json, _error, NAME_PARAMETER),
            **performance_paths(_json, _error, NAME_PARAMETER),
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1 document"}},
                }
            },
        },
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {
                "apiToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `portal tokens create` or /admin/tokens",
                }
            },
        },
        # An API token, or the sign-in of the proxy or session in front of the portal (or none at all).
        "security": [{"apiToken": []}, {}],
    }


def create_openapi_blueprint() -> Blueprint:
    api = Blueprint("api_openapi", __name__)

    @api.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document())

    return api
