"""The friendly page shown, inside the shell, for a path that is not a page."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component


def layout(**_query: Any) -> Component:
    """Explain the miss and offer the way home; unknown paths also get HTTP 404."""
    return dbc.Alert(
        [
            html.H2("Page not found", className="alert-heading"),
            html.P("There is no page at this address. It may have moved, or the link is mistyped."),
            dbc.Button("Go to the home page", href="/", color="primary"),
        ],
        color="light",
        className="mt-4 portal-not-found",
    )
