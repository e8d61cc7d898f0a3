"""Page layouts check the requester too: Dash's router callback draws any pathname a client sends."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from portal import ids
from portal.security.policy import page_role, route_policy
from portal.security.principal import current_principal
from portal.security.roles import Role

log = logging.getLogger(__name__)


def refusal(message: str) -> Component:
    return dbc.Alert(
        [html.H4("403 - not allowed", className="alert-heading"), html.P(message)],
        id=ids.ACCESS_DENIED,
        color="warning",
    )


def layout_denial(page_path: str, embedded: bool) -> str | None:
    """Why the current requester may not see ``page_path`` (None when they may)."""
    principal = current_principal()
    if principal is None or principal.role is None:
        return "Sign in with an account that has a portal role to see this page."
    if principal.source == "embed":
        if embedded and principal.page == page_path and (page_role(page_path) or Role.ADMIN) < Role.ADMIN:
            return None
        return "An embed link opens its own page only."
    role = page_role(page_path)
    if role is None:
        return "This page has no access rule yet."
    if not principal.has(role):
        return f"This page needs the {role.label} role; you are {principal.role.label}."
    return None


def may(role: Role) -> bool:
    """Whether the requester holds ``role``, so a layout can hide an action that would answer 403.

    Outside a request (nobody to ask about) everything shows; an embed link acts as a viewer.
    """
    principal = current_principal()
    if principal is None:
        return True
    return principal.has(role)


def may_request(endpoint: str) -> bool:
    """Whether the requester may open a Flask route (a download link's target), by its policy."""
    principal = current_principal()
    if principal is None:
        return True
    policy = route_policy(endpoint)
    if policy is None or policy.role is None or principal.source == "embed":
        return False
    return principal.has(policy.role)


def guard(
    page_path: str, render: Callable[..., Component], embedded: bool = False
) -> Callable[..., Component]:
    """``render`` behind the role check; the refusal replaces the page inside the shell."""

    @functools.wraps(render)
    def guarded(**query: Any) -> Component:
        reason = layout_denial(page_path, embedded)
        if reason is not None:
            log.info("page layout refused", extra={"page": page_path, "reason": reason})
            return refusal(reason)
        return render(**query)

    return guarded
