"""/api/v1/models/<name>/quality: missing, out-of-range and unseen input shares per day, and refusals."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify

from portal.api import params
from portal.api.errors import ApiError
from portal.monitoring import drift as drift_service
from portal.monitoring import quality
from portal.monitoring.quality_document import quality_document
from portal.services import Services


def create_quality_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_quality", __name__)

    @api.get("/models/<name>/quality")
    def get_quality(name: str) -> Response:
        version = params.version()
        record = params.model_version(services.registry, name, version)
        window, note = (params.single("window") or "").strip(), ""
        if not window:
            window = "7d"
            note = "No window given: the last 7 days."
        try:
            days = quality.window_days(window)
        except drift_service.WindowError as exc:
            raise ApiError(400, str(exc)) from None
        limits = drift_service.thresholds_for(services, name)
        try:
            view = quality.quality_view(
                services.engine, record, days, version, limits.min_rows, services.figure_cache
            )
        except sa.exc.SQLAlchemyError:
            raise ApiError(503, "the portal database is unavailable; try again shortly") from None
        return jsonify(quality_document(record, window, view, version, note))

    return api
