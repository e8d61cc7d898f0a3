"""The page chrome: navbar with every page, and the container Dash fills with the current page."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from layouts import subscribe
from portal import ids
from portal.pages import PageEntry, PageIndex
from portal.reports.access import current_subscriber
from portal.security.layout_guard import layout_denial
from portal.security.principal import current_principal


def navbar(title: str, pages: PageIndex) -> Component:
    """Brand, a link or a menu per group of pages the requester may open, and who is signed in.

    Menus are Bootstrap dropdowns: Enter or Space opens one, the arrow keys move through it and
    Escape closes it. A menu with no page the requester may open is left out altogether.
    """
    principal = current_principal()

    def allowed(entry: PageEntry) -> bool:
        return principal is None or layout_denial(entry.path, embedded=False) is None

    links: list[Component] = []
    for label, entries in pages.menus():
        shown = [entry for entry in entries if allowed(entry)]
        if not shown:
            continue
        if len(entries) == 1 and not entries[0].group:
            links.append(dbc.NavItem(dbc.NavLink(shown[0].name, href=shown[0].path, active="exact")))
            continue
        links.append(
            dbc.DropdownMenu(
                [dbc.DropdownMenuItem(entry.name, href=entry.path) for entry in shown],
                label=label,
                nav=True,
                in_navbar=True,
                align_end=True,
                id=f"navbar-menu-{label.lower()}",
                className="portal-nav-menu",
            )
        )
    if principal is None or current_subscriber() is not None:
        links.append(dbc.NavItem(subscribe.open_button(), className="d-flex align-items-center"))
    if principal is not None and principal.source in {"header", "oidc"}:
        role = principal.role.label if principal.role else "no role"
        links.append(
            dbc.NavItem(dbc.NavLink(f"{principal.name} ({role})", disabled=True, id=ids.NAVBAR_USER))
        )
        if principal.source == "oidc":
            links.append(dbc.NavItem(sign_out_button()))
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


def sign_out_button() -> Component:
    """Signing out changes state, so it is a POST (a link could be followed by any page or prefetch)."""
    return html.Form(
        html.Button("Sign out", type="submit", id=ids.NAVBAR_SIGN_OUT, className="nav-link btn btn-link"),
        action="/auth/logout",
        method="POST",
    )


def layout(title: str, pages: PageIndex) -> Component:
    """The whole-app layout: navbar above the page container.

    Embeds (``/embed/<page>``) share it: Dash serves one layout for every path, so the server
    marks an embed's ``<body>`` (``portal.embed.gate``) and ``portal.css`` hides the chrome.
    """
    return html.Div(
        [
            # The first stop of the Tab key: past the navbar's links to the page (WCAG 2.4.1).
            html.A(
                "Skip to the page",
                href=f"#{ids.PAGE_CONTENT}",
                className="visually-hidden-focusable portal-skip-link",
            ),
            navbar(title, pages),
            subscribe.dialog(),
            html.Main(
                dbc.Container(dash.page_container, fluid=True, className="pb-4"),
                id=ids.PAGE_CONTENT,
                tabIndex="-1",
            ),
        ],
        className="portal-shell",
    )
