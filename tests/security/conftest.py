"""Apps that require sign-in: header mode behind a trusted proxy, with one group per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest

PROXY = "10.0.0.5"
STRANGER = "192.0.2.77"
GROUPS = {"viewer": "staff", "analyst": "portal-analysts", "admin": "portal-admins"}
HEADER_ENV = {
    "PORTAL_AUTH": "header",
    "PORTAL_TRUSTED_PROXIES": "10.0.0.0/24",
    "PORTAL_VIEWER_GROUPS": GROUPS["viewer"],
    "PORTAL_ANALYST_GROUPS": GROUPS["analyst"],
    "PORTAL_ADMIN_GROUPS": GROUPS["admin"],
    "PORTAL_SECRET_KEY": "s" * 40,
}


@pytest.fixture()
def header_app(make_settings: Callable):
    from portal.app import create_app

    return create_app(make_settings(**HEADER_ENV))


def as_role(role: str | None, user: str = "") -> dict:
    """Test-client keyword arguments for a request from the proxy as a member of ``role``'s group."""
    headers = {}
    if role is not None:
        headers = {
            "X-Forwarded-User": user or f"{role}-user",
            "X-Forwarded-Groups": f"everyone,{GROUPS[role]}",
        }
    return {"headers": headers, "environ_base": {"REMOTE_ADDR": PROXY}}
