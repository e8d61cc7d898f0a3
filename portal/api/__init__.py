"""The REST API under ``/api/v1``: one blueprint module per resource, combined here.

Resources: models and predictions, feedback, embed links, and the OpenAPI document. ``errors``
holds the one error shape and ``bodies`` the checks every JSON body gets.

May import: ``models``, the foundation (config, services, web) and the feature packages whose
resources it serves (``portal.embed``, ``portal.feedback``, ``portal.security``).
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from portal.api.embed_tokens import create_embed_tokens_blueprint
from portal.api.errors import ApiError
from portal.api.feedback import create_feedback_blueprint
from portal.api.models import create_models_blueprint
from portal.api.openapi import create_openapi_blueprint
from portal.services import Services
from portal.web.errors import error_json

API_PREFIX = "/api/v1"


def create_api_blueprint(services: Services) -> Blueprint:
    """The /api/v1 blueprint with every resource and JSON errors of one shape."""
    api = Blueprint("api", __name__, url_prefix=API_PREFIX)
    api.register_blueprint(create_models_blueprint(services))
    api.register_blueprint(create_openapi_blueprint())
    api.register_blueprint(create_embed_tokens_blueprint(services))
    api.register_blueprint(create_feedback_blueprint(services))

    @api.before_request
    def _limit_body() -> None:
        # Refuse oversized bodies before parsing; werkzeug raises 413 while reading past it.
        request.max_content_length = services.settings.api_max_bytes

    @api.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        return exc.response()

    @api.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        message = exc.description or exc.name
        if exc.code == 413:
            limit = services.settings.api_max_bytes
            message = f"the request body is larger than the limit of {limit:,} bytes"
        return error_json(exc.code or 500, message)

    return api
