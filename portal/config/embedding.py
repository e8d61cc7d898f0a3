"""Embedding settings: which origins may frame the portal, and whether they sit on another site.

Origins are normalised here (scheme, host, non-default port only), so the CSP header, the
auto-height script and the refusal messages all agree on one spelling.
"""

from __future__ import annotations

import re

from portal.config.setting import Setting
from portal.config.values import parse_bool, parse_public_url

SELF = "'self'"
NONE = "'none'"
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


EMBED_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "frame_ancestors",
        "PORTAL_FRAME_ANCESTORS",
        "'self'",
        parse_frame_ancestors,
        "Origins allowed to frame the portal (CSP `frame-ancestors`), space or comma separated: "
        "`'self'`, `'none'` or `https://host[:port]`.",
    ),
    Setting(
        "embed_cross_site",
        "PORTAL_EMBED_CROSS_SITE",
        "false",
        parse_bool,
        "`true` when framing sites are on another site: the session cookie becomes "
        "`SameSite=None; Secure` (HTTPS only). Otherwise `Lax`.",
    ),
    Setting(
        "public_url",
        "PORTAL_PUBLIC_URL",
        "",
        parse_public_url,
        "The address people open the portal at, e.g. `https://portal.example.com`; links the portal "
        "hands out (embed links) start with it. Empty: the address the request came to.",
    ),
)
