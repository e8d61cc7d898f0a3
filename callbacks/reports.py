"""Reports page callbacks: "Run now" starts a run in its own process; the history follows its progress."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import ALL, Input, Output, State, ctx

from layouts import reports
from portal import ids
from portal.reports import history
from portal.reports.access import may_run_now
from portal.reports.definitions import load_reports
from portal.reports.fields import DefinitionError
from portal.reports.launch import start_run
from portal.security import audit
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services


def register(app: dash.Dash, services: Services) -> None:
    @app.callback(
        Output(ids.REPORTS_RUN_STATUS, "children"),
        Output(ids.REPORTS_POLL, "disabled", allow_duplicate=True),
        Input({"type": ids.REPORTS_RUN_NOW, "report": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    @requires(Role.ADMIN)
    def run_now(clicks: list[int | None]) -> tuple[Any, bool]:
        if not ctx.triggered_id or not any(clicks):
            return dash.no_update, dash.no_update
        return start(services, ctx.triggered_id["report"])

    @app.callback(
        Output(ids.REPORTS_HISTORY, "children"),
        Output(ids.REPORTS_POLL, "disabled"),
        Input(ids.REPORTS_POLL, "n_intervals"),
        Input(ids.REPORTS_RUN_STATUS, "children"),
        State(ids.REPORTS_POLL, "disabled"),
        prevent_initial_call=True,
    )
    def refresh(_ticks: int | None, _status: Any, _disabled: bool) -> tuple[Any, bool]:
        return reports.history_table(services), not reports.any_active(services)


def start(services: Services, name: str) -> tuple[Any, bool]:
    """Record a queued run and hand it to a child process; the page polls until it ends."""
    if not may_run_now():
        return dbc.Alert("You may not start report runs.", color="warning"), dash.no_update
    try:
        known = load_reports(services.settings, services.pages.paths)
    except DefinitionError as exc:
        return dbc.Alert(f"The reports file has mistakes: {exc}", color="warning"), dash.no_update
    if name not in known:
        return dbc.Alert(f"No report named {name!r} is defined any more.", color="warning"), dash.no_update
    try:
        run_id = history.create(services.engine, name, "page", status="queued")
    except sa.exc.SQLAlchemyError:
        return dbc.Alert("The run history is not available: run `portal db upgrade`.", color="warning"), True
    audit.record(services.engine, "report.run_now", name, run_id=run_id)
    start_run(services.settings, services.engine, name, run_id)
    return dbc.Alert(f"Run {run_id} of {name!r} started.", color="info", duration=8000), False
