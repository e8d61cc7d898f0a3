"""Serve Bootstrap, the Bootswatch theme and the icon font from the installed Bootstrap-Flask package.

A theme whose colours fall short of WCAG 2.1 AA contrast gets its fixes appended (``contrast/``).

Intranets often block CDNs and our CSP allows only our own origin, so nothing is fetched from
a third party: remote ``@import`` lines (web fonts) are dropped and the theme's own system
font stack takes over.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from flask import Blueprint, Flask, Response, request, send_from_directory

from portal.config.themes import DEFAULT_THEME, bootstrap5_static

THEME_URL = "/vendor/theme.css"
ICONS_URL = "/vendor/icons/bootstrap-icons.min.css"
# Per theme, colour overrides that bring its text up to WCAG 2.1 AA contrast (appended to the theme).
CONTRAST_FIXES = Path(__file__).with_name("contrast")
_REMOTE_IMPORT = re.compile(r"@import\s+url\((['\"]?)https?://[^)]*\1\)\s*;?")


@functools.lru_cache(maxsize=32)
def theme_css(theme: str) -> tuple[bytes, str]:
    """The theme's CSS with remote imports removed, and its ETag."""
    static = bootstrap5_static() / "css"
    path = (
        static / "bootstrap.min.css"
        if theme == DEFAULT_THEME
        else static / "bootswatch" / theme / "bootstrap.min.css"
    )
    css = _REMOTE_IMPORT.sub("", path.read_text(encoding="utf-8"))
    fixes = CONTRAST_FIXES / f"{theme}.css"
    if fixes.is_file():
        css += "\n" + fixes.read_text(encoding="utf-8")
    body = css.encode("utf-8")
    return body, hashlib.sha256(body).hexdigest()[:16]


def init_theme(server: Flask, theme: str) -> None:
    """Register the routes that serve the configured theme and the icon font."""
    vendor = Blueprint("vendor", __name__)
    fonts_dir = bootstrap5_static() / "css" / "font"

    @vendor.get(THEME_URL)
    def theme_stylesheet() -> Response:
        body, etag = theme_css(theme)
        if request.if_none_match.contains(etag):
            return Response(status=304)
        response = Response(body, mimetype="text/css")
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = 3600
        return response

    @vendor.get("/vendor/icons/<path:filename>")
    def icons(filename: str) -> Response:
        return send_from_directory(fonts_dir, filename, max_age=86400)

    server.register_blueprint(vendor)
