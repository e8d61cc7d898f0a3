"""Serve ``/embed/<page>``: refuse bad tokens with a clear 401, and mark the page as an embed.

The token is checked before Dash's index is served, so a frame with a stale or altered link
shows a readable error (JSON for JSON clients) rather than an empty portal shell.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from html import escape
from typing import Any

import dash
from flask import Flask, Response, request

from portal.config import Settings
from portal.embed import tokens as embed_tokens
from portal.web.errors import error_json, wants_json

log = logging.getLogger(__name__)
EMBED_BODY_CLASS = "portal-embed"
# Report mode: a report's render (its token's subject is report:<name>) or an embed asked to ?print=1.
REPORT_BODY_CLASS = "portal-report"
PRINT_PARAM = "print"
# Read by assets/embed.js: where the height messages may go.
ORIGINS_ATTRIBUTE = "data-portal-frame-ancestors"
PAGE_ATTRIBUTE = "data-portal-embed-page"


def embed_page_for(path: str, page_paths: Iterable[str]) -> str | None:
    """The page an ``/embed/...`` request path shows, or None when it is not an embed path."""
    if path != embed_tokens.EMBED_PREFIX and not path.startswith(embed_tokens.EMBED_PREFIX + "/"):
        return None
    wanted = path[len(embed_tokens.EMBED_PREFIX) :].rstrip("/") or "/"
    for page in page_paths:
        if (page.rstrip("/") or "/") == wanted:
            return page
    return None


def request_query() -> dict[str, Any]:
    """The query as Dash hands it to layouts: one string per key, a list when repeated."""
    return {key: values[0] if len(values) == 1 else values for key, values in request.args.lists()}


def init_embed_gate(
    server: Flask,
    app: dash.Dash,
    settings: Settings,
    page_paths: Iterable[str],
    render_error: Callable[[int, str], str],
    catchall_rule: str,
) -> None:
    """Check tokens on embed page requests, and tag the embed's HTML for its stylesheet and script."""
    pages = tuple(page_paths)

    @server.before_request
    def _embed_gate() -> tuple[Any, int] | None:
        rule = request.url_rule
        if rule is None or rule.rule != catchall_rule:
            return None
        page = embed_page_for(request.path, pages)
        if page is None:
            return None
        query = request_query()
        token = query.pop(embed_tokens.TOKEN_PARAM, None)
        try:
            embed_tokens.authorize(settings.secret_key, token, page, query)
        except embed_tokens.TokenError as exc:
            log.info("embed refused", extra={"page": page, "reason": exc.reason})
            return _refusal(str(exc), exc.reason, render_error)
        return None

    _tag_embed_index(app, settings, pages)


def _refusal(message: str, reason: str, render_error: Callable[[int, str], str]) -> tuple[Any, int]:
    if wants_json():
        response, status = error_json(401, message, reason=reason)
    else:
        response = Response(render_error(401, message), status=401, mimetype="text/html")
        status = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="portal-embed", error="invalid_token"'
    response.headers["Cache-Control"] = "no-store"
    return response, status


def _tag_embed_index(app: dash.Dash, settings: Settings, pages: tuple[str, ...]) -> None:
    """Give an embed page's <body> its class and the allowed origins, rendered by the server."""
    if "<body>" not in app.index_string:
        raise RuntimeError("the Dash index string needs a plain <body> tag for embed pages")
    original = app.interpolate_index
    origins = escape(json.dumps(list(settings.frame_ancestors)), quote=True)

    def interpolate_index(**kwargs: Any) -> str:
        html = original(**kwargs)
        page = embed_page_for(request.path, pages) if request else None
        if page is None:
            return html
        classes = (
            f"{EMBED_BODY_CLASS} {REPORT_BODY_CLASS}" if report_mode(settings, page) else EMBED_BODY_CLASS
        )
        body = (
            f'<body class="{classes}" {ORIGINS_ATTRIBUTE}="{origins}" '
            f'{PAGE_ATTRIBUTE}="{escape(page, quote=True)}">'
        )
        return html.replace("<body>", body, 1)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]


def report_mode(settings: Settings, page: str) -> bool:
    """Whether this embed request is a report's render (or asks to print): interactive widgets hide."""
    if request.args.get(PRINT_PARAM) in ("1", "true"):
        return True
    try:
        grant = embed_tokens.verify(settings.secret_key, request.args.get(embed_tokens.TOKEN_PARAM), page)
    except embed_tokens.TokenError:
        return False
    return grant.subject.startswith("report:")
