"""Who may do what with reports from the pages: file reports are admins', subscriptions their owners'."""

from __future__ import annotations

from portal.reports.subscriptions import Subscriber
from portal.security.principal import current_principal
from portal.security.roles import Role

PEOPLE = ("none", "header", "oidc")


def may_run_now() -> bool:
    """Only a signed-in admin (or everyone with ``PORTAL_AUTH=none``, who is an anonymous admin)."""
    principal = current_principal()
    return principal is not None and principal.has(Role.ADMIN)


def current_subscriber() -> Subscriber | None:
    """The signed-in person with a role; None for embed links, API tokens and strangers."""
    principal = current_principal()
    if principal is None or principal.role is None or principal.source not in PEOPLE:
        return None
    return Subscriber(principal.name, principal.role)


def subscriber_for(principal: object) -> Subscriber | None:
    """A subscriber for any principal with a role (the REST API accepts API tokens too)."""
    role = getattr(principal, "role", None)
    if role is None or getattr(principal, "source", "") in ("embed", "metrics"):
        return None
    return Subscriber(str(getattr(principal, "name", "")), role)
