"""The one ``before_request`` gate: every route passes it, and only the public allowlist skips sign-in.

It identifies the requester, applies the route's policy from :mod:`portal.security.policy`, refuses
cross-site writes, and answers 401 (or a sign-in redirect) and 403 as JSON or a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, current_app, redirect, request

from portal.config import Settings
from portal.embed import tokens as embed_tokens
from portal.embed.gate import embed_page_for
from portal.security import identify, token_cache
from portal.security.csrf import cross_site_refusal
from portal.security.policy import (
    EXTRA_POLICIES_KEY,
    CallbackPolicy,
    Kind,
    RoutePolicy,
    page_role,
    route_policy,
)
from portal.security.principal import Principal, set_principal
from portal.security.roles import Role
from portal.security.token_cache import TokenCache
from portal.web import url_controls
from portal.web.errors import error_json, wants_json

log = logging.getLogger(__name__)
CALLBACK_POLICIES_KEY = "portal.callback_policies"
LOGIN_PATH = "/auth/login"


class Denied(Exception):
    """A refusal: 401 when nobody is identified, 403 when the requester may not do this."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def init_gate(
    server: Flask,
    settings: Settings,
    engine_getter: Callable[[], Any],
    page_paths: Iterable[str],
    registered_paths: Callable[[], set[str]],
    render_error: Callable[..., str],
) -> None:
    """Attach the gate; ``registered_paths`` lists every Dash page path (embed copies included)."""
    pages = tuple(page_paths)
    tokens = TokenCache(token_cache.stamp_path(settings.data_dir))

    @server.before_request
    def _gate() -> Any:
        set_principal(None)
        rule = request.url_rule
        if rule is None:
            return None  # Flask answers 404/405 itself; nothing is served
        policy = route_policy(rule.endpoint, server.extensions.get(EXTRA_POLICIES_KEY))
        if policy is None:
            log.error("route without an access rule refused", extra={"endpoint": rule.endpoint})
            return _refuse(settings, render_error, Denied(403, "This address has no access rule yet."))
        if policy.kind is Kind.PUBLIC:
            return None
        refusal = cross_site_refusal(policy.kind is Kind.CALLBACK)
        if refusal is not None:
            return refusal
        try:
            principal = _identify(settings, engine_getter, policy, pages, tokens)
            _authorize(principal, policy, pages, registered_paths)
        except Denied as denied:
            return _refuse(settings, render_error, denied)
        set_principal(principal)
        return None


def _identify(
    settings: Settings,
    engine_getter: Callable[[], Any],
    policy: RoutePolicy,
    pages: tuple[str, ...],
    tokens: TokenCache,
) -> Principal | None:
    presented = identify.bearer()
    if presented is not None:
        if policy.kind is Kind.METRICS:
            scraper = identify.metrics_principal(settings, presented)
            if scraper is not None:
                return scraper
            raise Denied(401, "The metrics token is not valid (PORTAL_METRICS_TOKEN).")
        if not policy.tokens:
            raise Denied(401, "API tokens are accepted only by the REST API under /api/v1.")
        token = identify.token_principal(engine_getter(), presented, tokens)
        if token is None:
            raise Denied(401, "The API token is not valid: it is unknown, revoked or expired.")
        return token
    try:
        person = identify.person(settings)
    except identify.RepeatedIdentityHeader as exc:
        raise Denied(400, str(exc)) from None
    if person is not None and person.role is not None:
        return person
    if policy.kind in (Kind.ASSET, Kind.PAGE, Kind.CALLBACK):
        try:
            embed = identify.embed_principal(settings, pages)
        except embed_tokens.TokenError as exc:
            if person is None:
                raise Denied(401, str(exc)) from None
            embed = None
        if embed is not None:
            return embed
        if person is None and embed_page_for(request.path, pages) is not None:
            raise Denied(401, "This embedded view needs a token in its URL.")
    return person


def _authorize(
    principal: Principal | None,
    policy: RoutePolicy,
    pages: tuple[str, ...],
    registered_paths: Callable[[], set[str]],
) -> None:
    if principal is None:
        raise Denied(401, "Sign in to use the portal.")
    if principal.source == "metrics":
        if policy.kind is Kind.METRICS:
            return
        raise Denied(401, "The metrics token opens /metrics only.")
    if principal.role is None:
        raise Denied(
            403,
            f"You are signed in as {principal.name}, but none of your groups has a portal role. "
            "Ask an administrator to add one of your groups.",
        )
    if policy.kind is Kind.CALLBACK:
        _authorize_callback(principal)
        return
    if policy.kind is Kind.PAGE:
        _authorize_page(principal, pages, registered_paths())
        return
    if principal.source == "embed":
        if policy.kind is Kind.ASSET:
            return
        raise Denied(403, "An embed link opens its own page only.")
    needed = policy.role or Role.ADMIN
    if not principal.has(needed):
        raise Denied(403, f"This needs the {needed.label} role; you are {principal.role.label}.")
    model = (request.view_args or {}).get("name")
    if model is not None and not principal.may_use_model(str(model)):
        raise Denied(403, f"This API token is not allowed to use the model {model!r}.")


def _authorize_page(principal: Principal, pages: tuple[str, ...], registered: set[str]) -> None:
    path = request.path.rstrip("/") or "/"
    embedded = embed_page_for(request.path, pages)
    if embedded is not None:
        if principal.source == "embed" and principal.page == embedded:
            if (page_role(embedded) or Role.ADMIN) >= Role.ADMIN:
                raise Denied(403, "Admin pages cannot be embedded.")
            return
        target = embedded
    else:
        if principal.source == "embed":
            raise Denied(403, "An embed link opens its own page only.")
        target = path
    role = page_role(target)
    if role is None:
        if target in registered:
            log.error("page without a role refused", extra={"page": target})
            raise Denied(403, "This page has no access rule yet.")
        role = Role.VIEWER  # unknown addresses get the 404 page, which reveals nothing
    if not principal.has(role):
        raise Denied(403, f"This page needs the {role.label} role; you are {principal.role.label}.")


def _authorize_callback(principal: Principal) -> None:
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    policies: dict[str, CallbackPolicy | None] = current_app.extensions.get(CALLBACK_POLICIES_KEY, {})
    if not isinstance(output, str) or output not in policies:
        return  # nothing can run: portal.web.dash_guard answers 400 naming what is wrong
    policy = policies[output]
    if policy is None:
        log.error("callback without an access rule refused", extra={"output": output[:200]})
        raise Denied(403, "This action has no access rule yet.")
    if policy.page is None:
        return  # the page router: each page's layout checks the requester itself
    if principal.source == "embed":
        own_role = page_role(policy.page) or Role.ADMIN
        # The link's own page, no action marked above that page's role, and never an admin page.
        if not (principal.page == policy.page and policy.role <= own_role < Role.ADMIN):
            raise Denied(403, "An embed link may use its own page only, and no downloads or actions.")
        broken = pinned_value_broken(principal.pinned, body)
        if broken is not None:
            raise Denied(403, broken)
        return
    if not principal.has(policy.role):
        raise Denied(403, f"This action needs the {policy.role.label} role; you are {principal.role.label}.")


def pinned_value_broken(pinned: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    """Why a callback request leaves an embed link's pinned values, or None when it keeps them.

    The link pins query values (``model=churn``); every input or state of the request that is the
    page's control for a pinned parameter must still hold that value, or a frame could read another
    model's data through the page's own callbacks.
    """
    if not pinned:
        return None
    watched = url_controls.parameters_of(current_app, pinned)
    for item in _callback_values(body):
        component = item.get("id")
        if not isinstance(component, str) or component not in watched or item.get("property") != "value":
            continue
        name = watched[component]
        if not url_controls.same_value(item.get("value"), pinned[name]):
            log.info("embed callback outside its pinned values refused", extra={"parameter": name})
            return f"This embed link only allows {name}={pinned[name]}."
    return None


def _callback_values(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The inputs and state of a callback request, pattern-matching groups flattened."""
    found: list[Mapping[str, Any]] = []
    for field in ("inputs", "state"):
        for item in body.get(field) or ():
            group = item if isinstance(item, list) else [item]
            found.extend(value for value in group if isinstance(value, Mapping))
    return found


def _refuse(settings: Settings, render_error: Callable[..., str], denied: Denied) -> Any:
    status = denied.status
    if wants_json() or request.path.startswith(("/_dash-", "/assets/")):
        response, _ = error_json(status, str(denied))
    elif status == 401 and settings.auth == "oidc" and request.method == "GET":
        target = request.full_path if request.query_string else request.path
        return redirect(f"{LOGIN_PATH}?next={quote(target, safe='/')}", code=302)
    else:
        embedded = request.path.startswith(embed_tokens.EMBED_PREFIX)
        response = Response(
            render_error(status, str(denied), chrome=not embedded), status, mimetype="text/html"
        )
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="portal"'
    response.headers["Cache-Control"] = "no-store"
    return response
