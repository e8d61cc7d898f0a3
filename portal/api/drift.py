"""/api/v1/models/<name>/drift: the Drift page's verdict and feature table for one window, as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from models.registry import ModelNotFound, RegistryError
from portal.api.errors import ApiError
from portal.monitoring import drift as drift_service
from portal.monitoring.drift_document import drift_document
from portal.services import Services


def _single(name: str) -> str | None:
    """A query parameter given at most once; None when absent."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"parameter {name!r} is given {len(values)} times; give it once")
    return values[0] if values else None


def _version() -> int | None:
    raw = _single("version")
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, f"parameter 'version' must be a positive integer, not {raw[:80]!r}")
    return int(raw)


def create_drift_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_drift", __name__)

    @api.get("/models/<name>/drift")
    def get_drift(name: str) -> Response:
        version = _version()
        try:
            record = services.registry.get(name, version)
        except ModelNotFound as exc:
            raise ApiError(404, str(exc)) from None
        except RegistryError as exc:
            raise ApiError(503, str(exc)) from None
        window, note = (_single("window") or "").strip(), ""
        if not window:
            # The page's own choice: the most recent standard window with enough rows.
            opened = drift_service.choose_window(services, name, drift_service.window_options(services, name))
            window, note = opened.value, opened.note
        try:
            spec = drift_service.window_spec(name, version, window)
        except drift_service.WindowError as exc:
            raise ApiError(400, str(exc)) from None
        try:
            view = drift_service.drift_view(services, record, spec)
        except RegistryError as exc:
            raise ApiError(503, str(exc)) from None
        return jsonify(drift_document(record, window, spec, view, note))

    return api
