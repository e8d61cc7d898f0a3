"""The page chrome: navbar with every page, and the container Dash fills with the current page."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from portal import ids


def navbar(title: str) -> Component:
    """Brand plus a link per registered page, highlighted when its path is current."""
    from layouts import PAGES

    links = [
        dbc.NavItem(dbc.NavLink(page.name, href=page.path, active="exact"))
        for page in sorted(PAGES, key=lambda p: p.order)
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(title, href="/", className="fw-semibold"),
                dbc.Nav(links, navbar=True, className="ms-auto"),
            ],
            fluid=True,
        ),
        id=ids.NAVBAR,
        color="primary",
        dark=True,
        className="mb-3 portal-navbar",
    )


def layout(title: str) -> Component:
    """The whole-app layout: navbar above the page container.

    Embeds (``/embed/<page>``) share it: Dash serves one layout for every path, so the server
    marks an embed's ``<body>`` (``portal.embed_gate``) and ``portal.css`` hides the chrome.
    """
    return html.Div(
        [navbar(title), dbc.Container(dash.page_container, fluid=True, className="pb-4")],
        className="portal-shell",
    )
