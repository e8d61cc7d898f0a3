"""Who may frame the portal, and how its cookies behave inside a frame.

Intranet hosts need an allowlist of origins, which only CSP ``frame-ancestors`` expresses
(``X-Frame-Options`` knows one origin at most), so the header is built here; the rest of the
Content-Security-Policy can grow in this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Response

if TYPE_CHECKING:
    from portal.config import Settings

CSP_HEADER = "Content-Security-Policy"


def content_security_policy(settings: Settings) -> str:
    """The policy sent with every HTML response; today only who may frame it."""
    return f"frame-ancestors {' '.join(settings.frame_ancestors)}"


def session_cookie_config(settings: Settings) -> dict[str, Any]:
    """Flask cookie options: cross-site frames need ``SameSite=None``, which browsers accept only Secure."""
    cross_site = settings.embed_cross_site
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "None" if cross_site else "Lax",
        "SESSION_COOKIE_SECURE": cross_site,
    }


def init_framing(server: Flask, settings: Settings) -> None:
    """Attach the CSP to every HTML response, error pages included."""
    policy = content_security_policy(settings)

    @server.after_request
    def _frame_policy(response: Response) -> Response:
        if response.mimetype != "text/html":
            return response
        existing = response.headers.get(CSP_HEADER, "")
        if "frame-ancestors" not in existing:
            response.headers[CSP_HEADER] = f"{existing.rstrip('; ')}; {policy}" if existing else policy
        return response
