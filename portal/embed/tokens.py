"""Signed, expiring, page-scoped tokens that let an iframe or the report renderer open one page.

Intranet hosts often sit on another site, where browsers drop third-party cookies, so an embed
carries its permission in the URL instead. A token names one page path and, optionally, the query
values it pins; it is signed with ``PORTAL_SECRET_KEY`` (HMAC via itsdangerous) and expires.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "portal.embed.v1"
TOKEN_PARAM = "token"
EMBED_PREFIX = "/embed"
MAX_TTL_SECONDS = 366 * 24 * 3600
# Roles a token may carry: a report acts as its subscriber, but never as an admin.
SCOPED_ROLES = ("viewer", "analyst")


class TokenError(Exception):
    """The token is missing, altered, expired or for another page; the message says which."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class EmbedGrant:
    """What a valid token allows: one page, with pinned query values (empty = any query)."""

    page: str
    query: dict[str, str]
    expires_at: int
    subject: str
    # The role a report renders with (its subscriber's, never admin); None: a viewer of its page.
    role: str | None = None

    def allows(self, query: Mapping[str, str]) -> bool:
        """Pinned values must be present and equal; other parameters stay free to change."""
        return all(query.get(key) == value for key, value in self.query.items())


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def issue(
    secret_key: str,
    page: str,
    ttl_seconds: int,
    query: Mapping[str, Any] | None = None,
    subject: str = "embed",
    now: float | None = None,
    role: str | None = None,
) -> str:
    """A token for ``page`` (a path such as ``/overview``) valid for ``ttl_seconds``.

    ``role`` (viewer or analyst) scopes a report's token to its subscriber's role; admin is refused.
    """
    if not page.startswith("/") or page.startswith("//"):
        raise ValueError(f"page must be a path such as /overview, not {page!r}")
    if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl must be between 1 second and 366 days, not {ttl_seconds} seconds")
    expires = int((time.time() if now is None else now) + ttl_seconds)
    if role is not None and role not in SCOPED_ROLES:
        raise ValueError(f"a token may carry the role {' or '.join(SCOPED_ROLES)}, never {role!r}")
    pinned = {str(k): str(v) for k, v in (query or {}).items() if k != TOKEN_PARAM}
    payload: dict[str, Any] = {"p": page, "q": pinned, "e": expires, "s": subject}
    if role is not None:
        payload["r"] = role
    return _serializer(secret_key).dumps(payload)


def verify(secret_key: str, token: str | None, page: str, now: float | None = None) -> EmbedGrant:
    """The grant inside a valid token for ``page``; :class:`TokenError` otherwise."""
    if not token:
        raise TokenError("This embedded view needs a token in its URL.", "missing")
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        raise TokenError(
            "This embed link is not valid: it was altered or signed elsewhere.", "invalid"
        ) from None
    if not isinstance(payload, dict) or not {"p", "q", "e"} <= payload.keys():
        raise TokenError("This embed link is not valid.", "invalid")
    if (time.time() if now is None else now) >= payload["e"]:
        raise TokenError("This embed link has expired. Ask for a new one.", "expired")
    if payload["p"] != page:
        raise TokenError("This embed link is for another page.", "wrong-page")
    role = payload.get("r")
    if role is not None and role not in SCOPED_ROLES:
        raise TokenError("This embed link is not valid.", "invalid")
    return EmbedGrant(
        payload["p"], dict(payload["q"]), int(payload["e"]), str(payload.get("s", "embed")), role
    )


def authorize(
    secret_key: str, token: Any, page: str, query: Mapping[str, Any], now: float | None = None
) -> EmbedGrant:
    """Verify ``token`` for ``page`` and check ``query`` keeps its pinned values; TokenError otherwise.

    Both the embed page request and the page layout call this, so neither can be used to skip it.
    """
    if token is not None and not isinstance(token, str):
        raise TokenError("This embed link carries more than one token.", "invalid")
    grant = verify(secret_key, token, page, now)
    if not grant.allows(query):
        pinned = ", ".join(f"{key}={value}" for key, value in sorted(grant.query.items()))
        raise TokenError(f"This embed link only allows {pinned}.", "query-not-allowed")
    return grant


def page_embed_path(page: str) -> str:
    """Where the chrome-less copy of ``page`` lives: ``/overview`` -> ``/embed/overview``."""
    return f"{EMBED_PREFIX}{page}"


def embed_path(
    secret_key: str,
    page: str,
    query: Mapping[str, Any],
    ttl_seconds: int,
    subject: str = "embed",
    role: str | None = None,
) -> str:
    """``/embed<page>?<query>&token=...``: the URL an iframe or the report renderer opens."""
    return path_with_token(page, query, issue(secret_key, page, ttl_seconds, query, subject, role=role))


def path_with_token(page: str, query: Mapping[str, Any], token: str) -> str:
    """The embed path of ``page`` carrying ``query`` and an already issued ``token``."""
    params = {str(k): str(v) for k, v in query.items() if k != TOKEN_PARAM}
    params[TOKEN_PARAM] = token
    return f"{page_embed_path(page)}?{urlencode(params)}"
