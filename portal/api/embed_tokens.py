"""/api/v1/embed-tokens: issue signed embed links for intranet iframes.

Issuing a link grants read access to a page, so a later role check (admins only) belongs in
:func:`authorize_issuer`, the one place every request to this resource passes through.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

import layouts
from portal import embed_links
from portal.api.errors import ApiError
from portal.services import Services

log = logging.getLogger(__name__)
FIELDS = ("page", "query", "ttl")
DEFAULT_TTL = "1h"


def authorize_issuer() -> None:
    """Who may issue embed links. Sign-in does not exist yet, so anyone who reaches the API may."""
    return None


def _parse_body() -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(400, 'the body must be a JSON object like {"page": "/overview", "ttl": "1h"}')
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ApiError(400, f"unknown field(s): {', '.join(unknown)}; expected {', '.join(FIELDS)}")
    if "page" not in body:
        raise ApiError(400, '"page" is required, e.g. "/overview"')
    return body


def create_embed_tokens_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_embed_tokens", __name__)

    @api.before_request
    def _authorize() -> None:
        authorize_issuer()

    @api.post("/embed-tokens")
    def issue() -> tuple[Response, int]:
        body = _parse_body()
        try:
            page = embed_links.resolve_page(body["page"], [p.path for p in layouts.PAGES])
            ttl = embed_links.parse_ttl(body.get("ttl", DEFAULT_TTL))
            query = embed_links.check_query(body.get("query", {}), services.registry.names())
            link = embed_links.issue_link(
                services.settings.secret_key, request.host_url, page, query, ttl, subject="api"
            )
        except embed_links.LinkError as exc:
            raise ApiError(422, str(exc)) from None
        log.info("embed link issued", extra={"page": page, "ttl_seconds": ttl})
        return jsonify(link.as_json()), 201

    return api
