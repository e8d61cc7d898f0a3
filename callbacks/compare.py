"""Model comparison callbacks: draw the comparison, and promote or roll back after confirmation."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import sqlalchemy as sa
from dash import Input, Output, State, ctx
from dash.development.base_component import Component

from callbacks import compare_shadow
from callbacks.url_state import register_url_sync
from layouts import compare
from layouts.components import empty_state, no_data
from layouts.model_picker import parse_version
from models.registry import RegistryError
from portal import ids
from portal.monitoring import promotions
from portal.monitoring.comparisons import comparison
from portal.security import audit
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services
from portal.web.identity import current_user

log = logging.getLogger(__name__)


def register(app: dash.Dash, services: Services) -> None:
    registry = services.registry
    compare_shadow.register(app, services)

    @app.callback(
        Output(ids.COMPARE_A, "options"),
        Output(ids.COMPARE_A, "value"),
        Output(ids.COMPARE_B, "options"),
        Output(ids.COMPARE_B, "value"),
        Output(ids.COMPARE_TARGET, "options"),
        Output(ids.COMPARE_TARGET, "value"),
        Input(ids.COMPARE_MODEL, "value"),
        State(ids.COMPARE_A, "value"),
        State(ids.COMPARE_B, "value"),
        prevent_initial_call=True,
    )
    def switch_model(name: str, a: Any, b: Any) -> tuple[Any, ...]:
        try:
            options, _active = compare.version_options(registry, name)
            first, second = compare.default_pair(registry, name, a, b)
        except RegistryError:
            return (dash.no_update,) * 6
        return options, first, options, second, options, second

    @app.callback(
        Output(ids.COMPARE_BODY, "children"),
        Output(ids.COMPARE_DIFF, "figure"),
        Input(ids.COMPARE_MODEL, "value"),
        Input(ids.COMPARE_A, "value"),
        Input(ids.COMPARE_B, "value"),
    )
    def draw(name: str, a: Any, b: Any) -> tuple[Component, go.Figure]:
        first, second = parse_version(a), parse_version(b)
        if first is None or second is None:
            return empty_state("Pick two versions."), no_data("Prediction differences", "Pick two versions")
        try:
            report = comparison(registry, services.figure_cache, name, first, second)
        except RegistryError as exc:
            return empty_state("These versions cannot be compared.", str(exc)), no_data(
                "Prediction differences", "Model unavailable"
            )
        return compare.body(report), compare.difference_figure(report)

    @app.callback(
        Output(ids.COMPARE_CONFIRM, "is_open"),
        Output(ids.COMPARE_CONFIRM_TEXT, "children"),
        Output(ids.COMPARE_STATUS, "children"),
        Output(ids.COMPARE_ACTIVE, "children"),
        Output(ids.COMPARE_A, "options", allow_duplicate=True),
        Output(ids.COMPARE_B, "options", allow_duplicate=True),
        Output(ids.COMPARE_TARGET, "options", allow_duplicate=True),
        Input(ids.COMPARE_PROMOTE, "n_clicks"),
        Input(ids.COMPARE_CONFIRM_YES, "n_clicks"),
        Input(ids.COMPARE_CONFIRM_NO, "n_clicks"),
        State(ids.COMPARE_MODEL, "value"),
        State(ids.COMPARE_TARGET, "value"),
        prevent_initial_call=True,
    )
    @requires(Role.ADMIN)
    def promote(_ask: Any, _yes: Any, _no: Any, name: str, target: Any) -> tuple[Any, ...]:
        keep = (dash.no_update,) * 4
        version = parse_version(target)
        try:
            active = registry.active_version(name)
        except RegistryError as exc:
            return False, "", dbc.Alert(str(exc), color="danger"), *keep
        if ctx.triggered_id == ids.COMPARE_CONFIRM_NO:
            return False, dash.no_update, "", *keep
        if version is None or version == active:
            return (
                False,
                "",
                dbc.Alert(f"v{active} is already active; pick another version.", color="info"),
                *keep,
            )
        if ctx.triggered_id == ids.COMPARE_PROMOTE:
            kind = "roll back" if version < active else "promote"
            text = (
                f"This will {kind} {name} from v{active} to v{version}. Every page and the API switch on "
                "their next request. The change is recorded with your name."
            )
            return True, text, "", *keep
        try:
            switch = promotions.promote(registry, services.engine, name, version, current_user(), "page")
        except RegistryError as exc:
            return False, "", dbc.Alert(str(exc), color="danger"), *keep
        except sa.exc.SQLAlchemyError as exc:
            message = f"Nothing changed: the audit could not be written ({type(exc).__name__})."
            return False, "", dbc.Alert(message, color="danger"), *keep
        audit.record(
            services.engine, "model.promote", f"{name} v{switch.to_version}", from_version=switch.from_version
        )
        options, now_active = compare.version_options(registry, name)
        done = dbc.Alert(
            f"{name} v{switch.to_version} is now active ({switch.action} from v{switch.from_version}).",
            color="success",
            className="portal-promoted",
        )
        return False, "", done, f"Active version: v{now_active}", options, options, options

    register_url_sync(
        app,
        ids.COMPARE_URL_STATE,
        {"model": (ids.COMPARE_MODEL, "value"), "a": (ids.COMPARE_A, "value"), "b": (ids.COMPARE_B, "value")},
    )
