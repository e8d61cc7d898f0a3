"""Refuse malformed Dash callback requests with a 400 before Dash's dispatcher sees them.

Dash indexes into the request body by the callback's declared inputs and state, and checks its
``outputs`` against the declared outputs only deep in its dispatcher; a body that names an unknown
callback, carries the wrong number of values or names other outputs would otherwise end as a 500.
The browser never sends such bodies, but scripts, old cached pages and probes do.
"""

from __future__ import annotations

from typing import Any

import dash
from flask import Flask, request

from portal.web import callback_types
from portal.web.callback_outputs import outputs_mismatch
from portal.web.errors import error_json


def check_callback_body(app: dash.Dash, body: Any) -> str | None:
    """What is wrong with a callback request body, or None when it fits a registered callback."""
    if not isinstance(body, dict):
        return "the callback request body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str):
        return "the callback request names no output"
    entry = app.callback_map.get(output)
    if entry is None:
        return "the callback request names an output no callback produces; reload the page"
    if "callback" not in entry:
        return "the callback request names an output the browser computes itself, not the server"
    for field, declared in (("inputs", entry.get("inputs", [])), ("state", entry.get("state", []))):
        values = body.get(field, [])
        if not isinstance(values, list):
            return f"the callback request's {field} must be a list"
        if len(values) != len(declared):
            return (
                f"the callback request carries {len(values)} {field} values where the callback takes "
                f"{len(declared)}; reload the page"
            )
        if not all(isinstance(value, dict | list) for value in values):
            return f"the callback request's {field} values are malformed"
    problem = outputs_mismatch(entry, body)
    if problem is not None:
        return problem
    expected = app.server.extensions.get(callback_types.EXTENSION_KEY, {}).get(output)
    if expected is not None:
        return callback_types.first_mismatch(expected, body)
    return None


def init_dash_guard(server: Flask, app: dash.Dash) -> None:
    """Check every POST to Dash's callback endpoint, input types included (call after all callbacks exist)."""
    callback_types.record_callback_types(app)
    path = app.config.requests_pathname_prefix + "_dash-update-component"

    @server.before_request
    def _guard() -> Any:
        if request.method != "POST" or request.path != path:
            return None
        problem = check_callback_body(app, request.get_json(silent=True))
        if problem is not None:
            return error_json(400, problem)
        return None
