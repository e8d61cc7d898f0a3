"""Compare's shadow panel: draw the live agreement, and start or end shadowing (admins only)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, State, ctx
from dash.development.base_component import Component

from layouts import compare_shadow
from layouts.components import empty_state
from layouts.model_picker import parse_version
from models.registry import RegistryError
from portal import ids
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services
from portal.shadow import agreement, control
from portal.web.identity import current_user


def register(app: dash.Dash, services: Services) -> None:
    registry = services.registry

    @app.callback(
        Output(ids.COMPARE_SHADOW_BODY, "children"),
        Input(ids.COMPARE_MODEL, "value"),
        Input(ids.COMPARE_SHADOW_CHANGED, "data"),
        Input(ids.COMPARE_SHADOW_REFRESH, "n_intervals"),
    )
    def draw(name: str, _changed: Any, _tick: Any) -> Component:
        try:
            record = registry.get(name)
            found = agreement.agreements(services.engine, name, record.task)
        except RegistryError as exc:
            return empty_state("No shadow can be shown.", str(exc))
        except sa.exc.SQLAlchemyError as exc:
            return empty_state("The shadow predictions cannot be read now.", type(exc).__name__)
        return compare_shadow.body(name, record.version, registry.shadow_version(name), found)

    @app.callback(
        Output(ids.COMPARE_SHADOW_STATUS, "children"),
        Output(ids.COMPARE_SHADOW_CHANGED, "data"),
        Input(ids.COMPARE_SHADOW_START, "n_clicks"),
        Input(ids.COMPARE_SHADOW_STOP, "n_clicks"),
        State(ids.COMPARE_MODEL, "value"),
        State(ids.COMPARE_B, "value"),
        prevent_initial_call=True,
    )
    @requires(Role.ADMIN)
    def switch(_start: Any, _stop: Any, name: str, b: Any) -> tuple[Component, Any]:
        try:
            if ctx.triggered_id == ids.COMPARE_SHADOW_STOP:
                ended = control.end(registry, services.engine, name, current_user())
                text = f"Shadowing of v{ended} ended." if ended else f"{name} has no shadow to stop."
            else:
                version = parse_version(b)
                if version is None:
                    return dbc.Alert("Pick version B to shadow.", color="warning"), dash.no_update
                record = control.start(registry, services.engine, name, version, current_user())
                text = f"v{record.version} now scores every live prediction in shadow."
        except RegistryError as exc:
            return dbc.Alert(str(exc), color="danger"), dash.no_update
        except sa.exc.SQLAlchemyError as exc:
            message = f"Nothing changed: the audit could not be written ({type(exc).__name__})."
            return dbc.Alert(message, color="danger"), dash.no_update
        return dbc.Alert(text, color="success", className="portal-shadow-switched"), ctx.triggered_id
