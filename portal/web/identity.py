"""Who is asking: the one place that names the user, so every log row agrees with the gate."""

from __future__ import annotations

from flask import g, has_request_context

ANONYMOUS = "anonymous"


def current_user() -> str:
    """The signed-in user of the current request (set by ``portal.security``), else ``anonymous``."""
    if not has_request_context():
        return ANONYMOUS
    return str(g.get("portal_user") or ANONYMOUS)
