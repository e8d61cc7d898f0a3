"""Static HTML for errors raised outside Dash (e.g. 405, 413, 500), styled like the portal."""

from __future__ import annotations

from html import escape

from portal.config import Settings
from portal.theme import THEME_URL


def render(settings: Settings, status: int, message: str) -> str:
    """A complete HTML page; the message is escaped because it may echo user input."""
    title = escape(settings.title)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{status} - {title}</title>
<link rel="stylesheet" href="{THEME_URL}"></head>
<body><nav class="navbar navbar-dark bg-primary mb-3"><div class="container-fluid">
<a class="navbar-brand" href="/">{title}</a></div></nav>
<main class="container"><div class="alert alert-light portal-error">
<h2 class="alert-heading">Error {status}</h2><p>{escape(message)}</p>
<a class="btn btn-primary" href="/">Go to the home page</a></div></main></body></html>"""
