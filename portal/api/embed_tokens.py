"""/api/v1/embed-tokens: issue signed embed links for intranet iframes.

Issuing a link grants read access to a page, so only admins may (``portal.security.policy``),
and every link issued is recorded in the audit log.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request

from portal.api.bodies import json_object_body
from portal.api.errors import ApiError
from portal.embed import links as embed_links
from portal.security import audit
from portal.security.policy import embeddable
from portal.services import Services

log = logging.getLogger(__name__)
FIELDS = ("page", "query", "ttl")
DEFAULT_TTL = "1h"


def _parse_body() -> dict[str, Any]:
    body = json_object_body(FIELDS, '{"page": "/overview", "ttl": "1h"}')
    if "page" not in body:
        raise ApiError(400, '"page" is required, e.g. "/overview"')
    return body


def public_base_url(services: Services) -> str:
    """``PORTAL_PUBLIC_URL`` when set; otherwise the address this request came to (its Host header)."""
    return services.settings.public_url or request.host_url


def create_embed_tokens_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_embed_tokens", __name__)

    @api.post("/embed-tokens")
    def issue() -> tuple[Response, int]:
        body = _parse_body()
        try:
            pages = services.pages.paths
            known = [*pages, *services.pages.admin_paths]
            page = embed_links.resolve_page(body["page"], known, embeddable(pages))
            ttl = embed_links.parse_ttl(body.get("ttl", DEFAULT_TTL))
            query = embed_links.check_query(body.get("query", {}), services.registry.names())
            link = embed_links.issue_link(
                services.settings.secret_key, public_base_url(services), page, query, ttl, subject="api"
            )
        except embed_links.LinkError as exc:
            raise ApiError(422, str(exc)) from None
        log.info("embed link issued", extra={"page": page, "ttl_seconds": ttl})
        audit.record(services.engine, "embed_token.issue", page, ttl_seconds=ttl, query=query)
        return jsonify(link.as_json()), 201

    return api
