"""Reading a JSON request body: one set of checks and messages for every API resource."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request

from portal.api.errors import ApiError


def json_object_body(fields: Sequence[str], example: str) -> dict[str, Any]:
    """The body as a JSON object holding only ``fields``; ApiError 415 or 400 saying what is wrong.

    ``example`` is a short JSON body the message shows, so a client sees the expected shape.
    """
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(400, f"the body must be a JSON object like {example}")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(unknown)}; expected {', '.join(fields)}")
    return body
