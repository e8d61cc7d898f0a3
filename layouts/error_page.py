"""Static HTML for errors raised outside Dash (e.g. 401, 405, 413, 500), styled like the portal."""

from __future__ import annotations

from html import escape

from portal.config import Settings
from portal.web.theme import THEME_URL


def render(settings: Settings, status: int, message: str, chrome: bool = True) -> str:
    """A complete HTML page; the message is escaped because it may echo user input.

    Without ``chrome`` (an embed's refusal, shown inside someone else's page) there is no navbar
    and no link that would load the full portal inside the frame.
    """
    title = escape(settings.title)
    navbar = f"""<nav class="navbar navbar-dark bg-primary mb-3"><div class="container-fluid">
<a class="navbar-brand" href="/">{title}</a></div></nav>"""
    home = '<a class="btn btn-primary" href="/">Go to the home page</a>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{status} - {title}</title>
<link rel="icon" href="/_favicon.ico"><link rel="stylesheet" href="{THEME_URL}"></head>
<body>{navbar if chrome else ""}
<main class="container{"" if chrome else "-fluid py-2"}"><div class="alert alert-light portal-error">
<h2 class="alert-heading">Error {status}</h2><p>{escape(message)}</p>
{home if chrome else ""}</div></main></body></html>"""
