"""Find out who sent a request: proxy headers, the sign-in session, an API token or an embed link."""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import request, session

from portal.config import Settings
from portal.embed import tokens as embed_tokens
from portal.security import api_tokens
from portal.security.policy import page_role
from portal.security.principal import ANONYMOUS_ADMIN, Principal
from portal.security.roles import Role, role_for_groups, split_groups
from portal.security.token_cache import TokenCache
from portal.web.requests import REPEATED_HEADERS_FLAG

log = logging.getLogger(__name__)
EMBED_TOKEN_HEADER = "X-Portal-Embed-Token"
SESSION_USER = "portal_user"
METRICS_NAME = "metrics-scraper"


def from_trusted_proxy(settings: Settings) -> bool:
    return _trusted_peer(request.environ.get("REMOTE_ADDR", ""), settings.trusted_proxies)


@functools.lru_cache(maxsize=1024)
def _trusted_peer(raw: str, networks: tuple[Any, ...]) -> bool:
    """Whether a socket peer lies in a trusted network; cached, as a proxy sends every request."""
    try:
        peer = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return False
    return any(peer in network for network in networks)


def person(settings: Settings) -> Principal | None:
    """The signed-in person for the configured mode, or None."""
    if settings.auth == "none":
        return ANONYMOUS_ADMIN
    if settings.auth == "header":
        return _from_headers(settings)
    return _from_session(settings)


def _from_headers(settings: Settings) -> Principal | None:
    user = request.headers.get(settings.auth_user_header, "").strip()
    groups_raw = request.headers.get(settings.auth_groups_header, "")
    if not from_trusted_proxy(settings):
        if user or groups_raw:
            log.warning(
                "identity headers from an untrusted address ignored",
                extra={"peer": request.environ.get("REMOTE_ADDR"), "header": settings.auth_user_header},
            )
        return None
    repeated = request.headers.get(REPEATED_HEADERS_FLAG)
    if repeated:
        log.warning("identity header sent more than once refused", extra={"headers": repeated})
        raise RepeatedIdentityHeader(
            f"The sign-in proxy sent {repeated.title()} more than once; it must replace the header, "
            "not add to it. Ask an administrator to fix the proxy."
        )
    if not user:
        return None
    groups = split_groups(groups_raw)
    return Principal(user[:200], groups, role_for_groups(settings, groups), "header")


class RepeatedIdentityHeader(Exception):
    """A trusted proxy passed an identity header twice: whose values would we believe? Neither."""


def _from_session(settings: Settings) -> Principal | None:
    data = session.get(SESSION_USER)
    if not isinstance(data, dict):
        return None
    if float(data.get("expires", 0)) <= time.time():
        session.pop(SESSION_USER, None)
        return None
    groups = tuple(str(g) for g in data.get("groups", ()))
    return Principal(str(data.get("name")), groups, role_for_groups(settings, groups), "oidc")


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def token_principal(engine: sa.Engine, presented: str, cache: TokenCache | None = None) -> Principal | None:
    token = api_tokens.authenticate(engine, presented, cache)
    if token is None:
        return None
    return Principal(f"token:{token.name}", (), token.role, "token", models=token.models)


def metrics_principal(settings: Settings, presented: str | None) -> Principal | None:
    if settings.metrics_token and presented and hmac.compare_digest(presented, settings.metrics_token):
        return Principal(METRICS_NAME, (), None, "metrics")
    return None


def embed_principal(settings: Settings, pages: Iterable[str]) -> Principal | None:
    """A valid embed link on this request (its URL, the embed script's header, or the frame's Referer).

    None when the request carries no embed token; :class:`~portal.embed.tokens.TokenError` when it
    carries only tokens that fail, so the refusal can say whether the link expired or was altered.
    """
    failure: embed_tokens.TokenError | None = None
    for token in _embed_token_candidates():
        for page in pages:
            try:
                grant = embed_tokens.verify(settings.secret_key, token, page)
            except embed_tokens.TokenError as exc:
                # "For another page" is expected while trying pages; any other reason is the link's own.
                if failure is None or failure.reason == "wrong-page":
                    failure = exc
                continue
            role = Role.parse(grant.role) if grant.role else Role.VIEWER
            needed = page_role(grant.page) or Role.ADMIN
            if grant.role and role < needed:
                # A report scoped to its subscriber's role opens only pages that role may open.
                raise embed_tokens.TokenError(
                    f"This report link acts as a {role.label}, and {grant.page} needs the "
                    f"{needed.label} role.",
                    "role",
                )
            return Principal(f"embed:{grant.subject}", (), role, "embed", page=grant.page, pinned=grant.query)
    if failure is not None:
        raise failure
    return None


def _embed_token_candidates() -> list[str]:
    found = []
    if request.path.startswith(embed_tokens.EMBED_PREFIX + "/") or request.path == embed_tokens.EMBED_PREFIX:
        found += request.args.getlist(embed_tokens.TOKEN_PARAM)
    header = request.headers.get(EMBED_TOKEN_HEADER)
    if header:
        found.append(header)
    referer = request.headers.get("Referer", "")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.host and parts.path.startswith(embed_tokens.EMBED_PREFIX):
            found += parse_qs(parts.query).get(embed_tokens.TOKEN_PARAM, [])
    return [token for token in dict.fromkeys(found) if token][:3]
