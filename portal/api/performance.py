"""/api/v1/models/<name>/performance: estimated (without labels) and realized metrics per period."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request

from models.live import PERIODS
from models.registry import RegistryError
from portal.api import params
from portal.api.errors import ApiError
from portal.monitoring.estimated import estimated_view
from portal.monitoring.estimated_document import estimated_document
from portal.services import Services

PARAMETERS = ("source", "period", "version")
SOURCES = ("live",)


def create_performance_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_performance", __name__)

    @api.get("/models/<name>/performance")
    def get_performance(name: str) -> Response:
        unknown = sorted(set(request.args) - set(PARAMETERS))
        if unknown:
            raise ApiError(
                400, f"unknown parameter(s): {', '.join(unknown)[:200]}; expected source, period, version"
            )
        source = params.single("source", "live")
        if source not in SOURCES:
            raise ApiError(400, f"source must be live, not {str(source)[:80]!r}")
        period = params.single("period", "day")
        if period not in PERIODS:
            raise ApiError(400, f"period must be one of {', '.join(PERIODS)}, not {str(period)[:80]!r}")
        version = params.version()
        record = params.model_version(services.registry, name, version)
        try:
            view = estimated_view(services, record, period)
        except RegistryError as exc:
            raise ApiError(503, str(exc)) from None
        except sa.exc.SQLAlchemyError as exc:
            raise ApiError(503, f"the prediction log is unavailable ({type(exc).__name__})") from None
        return jsonify(estimated_document(view))

    return api
