"""Refuse cross-site writes: a form on another site must not score, upload or issue anything.

Browsers send ``Sec-Fetch-Site`` and ``Origin`` with every POST, and a cross-site HTML form can only
send urlencoded, multipart or text/plain bodies; Dash callbacks must be JSON, so both checks apply.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import request

from portal.web.errors import error_json

log = logging.getLogger(__name__)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ALLOWED_FETCH_SITES = {"same-origin", "none"}


def cross_site_refusal(json_only: bool) -> Any:
    """A 403/400 response for a write that did not come from the portal's own pages, else None."""
    if request.method in SAFE_METHODS:
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if fetch_site is not None and fetch_site not in ALLOWED_FETCH_SITES:
        return _refuse(f"cross-site request refused (Sec-Fetch-Site: {fetch_site})")
    if origin is not None and origin != "null":
        parts = urlsplit(origin)
        if parts.netloc != request.host or parts.scheme != request.scheme:
            return _refuse("cross-site request refused: the Origin is not this portal")
    elif origin == "null":
        return _refuse("cross-site request refused: opaque Origin")
    if json_only and not request.is_json:
        return error_json(400, "Dash callbacks must be sent as application/json")
    return None


def _refuse(message: str) -> Any:
    log.warning(message, extra={"path": request.path, "origin": request.headers.get("Origin")})
    return error_json(403, message)
