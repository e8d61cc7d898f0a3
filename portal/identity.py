"""Who is asking: the one place that names the user, so sign-in can replace it later."""

from __future__ import annotations

from flask import g, has_request_context

ANONYMOUS = "anonymous"


def current_user() -> str:
    """The signed-in user of the current request, or ``anonymous`` outside a request or without sign-in."""
    if not has_request_context():
        return ANONYMOUS
    return str(g.get("portal_user") or ANONYMOUS)
