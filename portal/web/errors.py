"""Friendly error responses: JSON for machines, the portal shell for people, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/_dash-", "/healthz", "/readyz", "/metrics")


def wants_json() -> bool:
    """API and Dash endpoints speak JSON; everything else is a page for a person."""
    return request.path.startswith(JSON_PREFIXES) or request.accept_mimetypes.best == "application/json"


def error_json(status: int, message: str, **extra: object) -> tuple[Response, int]:
    """The one error shape the API uses: {"error": {"status", "message", ...}}."""
    body = {"status": status, "message": message, "request_id": g.get("request_id"), **extra}
    return jsonify(error=body), status


def http_error_json(exc: HTTPException, message: str | None = None) -> tuple[Response, int]:
    """An HTTP error in the one JSON shape, keeping the headers it needs (a 405's ``Allow``)."""
    response, status = error_json(exc.code or 500, message or exc.description or exc.name)
    for name, value in exc.get_headers():
        if name.lower() in ("allow", "retry-after"):
            response.headers[name] = value
    return response, status


def _kept_headers(exc: HTTPException) -> dict[str, str]:
    return {name: value for name, value in exc.get_headers() if name.lower() in ("allow", "retry-after")}


def init_error_handlers(server: Flask, render_page: Callable[[int, str], str]) -> None:
    """Register handlers; ``render_page`` draws an HTML error inside the portal shell."""

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if wants_json():
            return http_error_json(exc)
        return render_page(status, exc.description or exc.name), status, _kept_headers(exc)

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response | str, int]:
        if server.debug:
            raise exc
        log.exception("unhandled error", extra={"path": request.path})
        message = "Something went wrong on our side. The error was logged with this request's id."
        if wants_json():
            return error_json(InternalServerError.code, message)
        return render_page(InternalServerError.code, message), InternalServerError.code
