"""Home page callbacks."""

from __future__ import annotations

import dash
from dash import Input, Output
from dash.development.base_component import Component

from layouts import home
from portal import ids
from portal.services import Services


def register(app: dash.Dash, services: Services) -> None:
    """Fill the status panel on load and on every refresh tick."""

    @app.callback(Output(ids.HOME_STATUS, "children"), Input(ids.HOME_REFRESH, "n_intervals"))
    def refresh_status(_ticks: int | None) -> Component:
        return home.status_panel(services)
