"""The REST API under ``/api/v1``: one blueprint module per resource, combined here.

Resources: models and predictions, drift, data quality, estimated performance, feedback, alerts,
embed links, reports, and the OpenAPI document. ``errors`` holds the one error shape and ``bodies``
the checks every JSON body gets.

May import: ``models``, the foundation (config, services, web) and the feature packages whose
resources it serves (``portal.alerts``, ``portal.embed``, ``portal.feedback``, ``portal.monitoring``,
``portal.reports``, ``portal.security``).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException

from portal.api.alerts import create_alerts_blueprint
from portal.api.drift import create_drift_blueprint
from portal.api.embed_tokens import create_embed_tokens_blueprint
from portal.api.errors import ApiError
from portal.api.feedback import create_feedback_blueprint
from portal.api.models import create_models_blueprint
from portal.api.openapi import create_openapi_blueprint
from portal.api.performance import create_performance_blueprint
from portal.api.quality import create_quality_blueprint
from portal.api.reports import create_reports_api_blueprint
from portal.services import Services
from portal.web.errors import http_error_json

API_PREFIX = "/api/v1"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def api_methods(path: str) -> list[str]:
    """The methods an API route really serves at ``path``, without the Dash catch-all's GET."""
    adapter = current_app.url_map.bind("localhost")
    allowed = []
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if str(endpoint).startswith("api."):
            allowed.append(method)
    return allowed


def create_api_blueprint(services: Services) -> Blueprint:
    """The /api/v1 blueprint with every resource and JSON errors of one shape."""
    api = Blueprint("api", __name__, url_prefix=API_PREFIX)
    api.register_blueprint(create_models_blueprint(services))
    api.register_blueprint(create_openapi_blueprint())
    api.register_blueprint(create_embed_tokens_blueprint(services))
    api.register_blueprint(create_feedback_blueprint(services))
    api.register_blueprint(create_drift_blueprint(services))
    api.register_blueprint(create_quality_blueprint(services))
    api.register_blueprint(create_performance_blueprint(services))
    api.register_blueprint(create_reports_api_blueprint(services))
    api.register_blueprint(create_alerts_blueprint(services))

    @api.before_request
    def _limit_body() -> None:
        # Refuse oversized bodies before parsing; werkzeug raises 413 while reading past it.
        request.max_content_length = services.settings.api_max_bytes

    @api.after_app_request
    def _api_allow(response: Response) -> Response:
        # The Dash app answers GET on every path, so Flask's own Allow would list GET for API routes too.
        asked = request.method == "OPTIONS" or response.status_code == 405
        if asked and request.path.startswith(API_PREFIX + "/"):
            response.headers["Allow"] = ", ".join(api_methods(request.path))
        return response

    @api.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        return exc.response()

    @api.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        message = exc.description or exc.name
        if exc.code == 413:
            limit = services.settings.api_max_bytes
            message = f"the request body is larger than the limit of {limit:,} bytes"
        return http_error_json(exc, message)

    return api
