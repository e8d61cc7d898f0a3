"""Models page callbacks."""

from __future__ import annotations

import dash
from dash import Input, Output
from dash.development.base_component import Component

from callbacks.url_state import register_url_sync
from layouts import model_catalog
from portal import ids
from portal.services import Services
from portal.web import callback_cache


def register(app: dash.Dash, services: Services) -> None:
    """Show the chosen model and keep the choice in ``?model=``."""

    @app.callback(Output(ids.MODELS_DETAIL, "children"), Input(ids.MODELS_SELECT, "value"))
    def show_model(name: str | None) -> Component:
        return model_catalog.detail(services, name or "")

    @app.callback(
        Output(ids.MODELS_SAMPLE_RESULT, "children"),
        Input(ids.MODELS_SELECT, "value"),
        Input(ids.MODELS_SAMPLE_ROW, "value"),
    )
    def sample_prediction(name: str | None, row: int | None) -> Component:
        shown, key = model_catalog.keyed_sample_prediction(services, name or "", row)
        if key is not None:
            callback_cache.computed_from(key)
        return shown

    # The answer reads no requester and depends on (model, active version, row) only: repeats of
    # it skip Dash's dispatch (portal.web.callback_cache).
    callback_cache.declare(
        app,
        f"{ids.MODELS_SAMPLE_RESULT}.children",
        lambda name, row: model_catalog.sample_key(services, name or "", row),
    )

    register_url_sync(
        app,
        ids.MODELS_URL_STATE,
        {"model": (ids.MODELS_SELECT, "value"), "row": (ids.MODELS_SAMPLE_ROW, "value")},
    )
