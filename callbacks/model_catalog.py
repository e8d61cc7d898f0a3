"""Models page callbacks."""

from __future__ import annotations

import dash
from dash import Input, Output
from dash.development.base_component import Component

from callbacks.url_state import register_url_sync
from layouts import model_catalog
from portal import ids
from portal.services import Services


def register(app: dash.Dash, services: Services) -> None:
    """Show the chosen model and keep the choice in ``?model=``."""

    @app.callback(Output(ids.MODELS_DETAIL, "children"), Input(ids.MODELS_SELECT, "value"))
    def show_model(name: str | None) -> Component:
        return model_catalog.detail(services, name or "")

    register_url_sync(app, ids.MODELS_URL_STATE, {"model": (ids.MODELS_SELECT, "value")})
