"""/api/v1/models/<name>/drift: the Drift page's verdict and feature table for one window, as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from models.registry import RegistryError
from portal.api import params
from portal.api.errors import ApiError
from portal.monitoring import drift as drift_service
from portal.monitoring.drift_document import drift_document
from portal.services import Services


def create_drift_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_drift", __name__)

    @api.get("/models/<name>/drift")
    def get_drift(name: str) -> Response:
        version = params.version()
        record = params.model_version(services.registry, name, version)
        window, note = (params.single("window") or "").strip(), ""
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
