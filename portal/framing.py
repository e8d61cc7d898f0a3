"""Who may frame the portal, and how its cookies behave inside a frame.

Intranet hosts need an allowlist of origins, which only CSP ``frame-ancestors`` expresses
(``X-Frame-Options`` knows one origin at most), so the header is built here; the rest of the
Content-Security-Policy can grow in this module.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import Flask, Response

if TYPE_CHECKING:
    from portal.config import Settings

SELF = "'self'"
NONE = "'none'"
CSP_HEADER = "Content-Security-Policy"
# scheme://host[:port] and nothing else: no path, query, wildcard or credentials.
_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?::(?P<port>\d{1,5}))?"
)


def parse_frame_ancestors(raw: str) -> tuple[str, ...]:
    """Origins allowed to frame the portal, from a space- or comma-separated list."""
    items = [item for item in re.split(r"[\s,]+", raw.strip()) if item]
    if not items:
        raise ValueError("expected 'self', 'none' or origins such as https://intranet.example.com")
    origins: list[str] = []
    for item in items:
        origin = _normalise(item)
        if origin not in origins:
            origins.append(origin)
    if NONE in origins and len(origins) > 1:
        raise ValueError("'none' cannot be combined with other origins")
    return tuple(origins)


def _normalise(item: str) -> str:
    lowered = item.lower()
    if lowered in {SELF, NONE}:
        return lowered
    if lowered in {"self", "none"}:
        raise ValueError(f"write {item!r} with single quotes, as '{lowered}'")
    match = _ORIGIN.fullmatch(lowered.rstrip("/"))
    if not match:
        raise ValueError(
            f"{item!r} is not an origin; expected 'self', 'none' or scheme://host[:port] "
            "such as https://intranet.example.com"
        )
    port = match["port"]
    if port is not None and not 0 < int(port) <= 65535:
        raise ValueError(f"{item!r} has a port outside 1-65535")
    default_port = {"http": "80", "https": "443"}[match["scheme"]]
    suffix = f":{int(port)}" if port is not None and port != default_port else ""
    return f"{match['scheme']}://{match['host']}{suffix}"


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
