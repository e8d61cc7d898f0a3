"""Feedback page callbacks: the paged grid, the feedback form, and outcome-file uploads."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import Input, Output, State, ctx
from dash.development.base_component import Component

from callbacks.grid_refresh import register_grid_refresh
from callbacks.url_state import register_url_sync
from layouts import feedback as page
from layouts import performance_live
from models import grid_query
from models.registry import RegistryError
from portal import ids
from portal.feedback.labelled import coverage as label_coverage
from portal.feedback.rows import feedback_page
from portal.feedback.store import FeedbackError
from portal.feedback.upload import upload_feedback
from portal.predlog.windows import WindowSpec
from portal.services import Services

log = logging.getLogger(__name__)


def register(app: dash.Dash, services: Services) -> None:
    store = services.feedback

    @app.callback(
        Output(ids.FEEDBACK_GRID, "getRowsResponse"),
        Input(ids.FEEDBACK_GRID, "getRowsRequest"),
        State(ids.FEEDBACK_MODEL, "value"),
        prevent_initial_call=True,
    )
    def rows(request: grid_query.GridRequest | None, name: str) -> Any:
        if not request:
            return dash.no_update
        try:
            record = services.registry.get(name)
            return feedback_page(
                services.engine,
                record.name,
                request.get("filterModel") or {},
                request.get("sortModel") or [],
                request.get("startRow", 0),
                request.get("endRow", 100),
            )
        except (RegistryError, grid_query.QueryError, sa.exc.SQLAlchemyError) as exc:
            log.info("feedback grid request refused", extra={"error": str(exc)})
            return {"rowData": [], "rowCount": 0}

    register_grid_refresh(
        app,
        ids.FEEDBACK_GRID,
        ids.FEEDBACK_GRID_RESET,
        [Input(ids.FEEDBACK_REFRESH, "data"), Input(ids.FEEDBACK_MODEL, "value")],
    )

    @app.callback(
        Output(ids.FEEDBACK_COVERAGE, "children"),
        Input(ids.FEEDBACK_MODEL, "value"),
        Input(ids.FEEDBACK_REFRESH, "data"),
    )
    def coverage(name: str, _refresh: Any) -> Component:
        try:
            record = services.registry.get(name)
            counts = label_coverage(services.engine, WindowSpec(record.name))
        except RegistryError as exc:
            return dbc.Alert(str(exc), color="danger")
        except sa.exc.SQLAlchemyError as exc:
            return dbc.Alert(f"The prediction log is unavailable: {type(exc).__name__}", color="danger")
        return performance_live.coverage_text(counts.logged, counts.with_feedback, counts.with_outcome)

    @app.callback(
        Output(ids.FEEDBACK_SELECTED, "value"),
        Input(ids.FEEDBACK_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def select(selected: list[dict[str, Any]] | None) -> Any:
        if not selected:
            return dash.no_update
        return selected[0].get("prediction_id")

    @app.callback(
        Output(ids.FEEDBACK_STATUS, "children"),
        Output(ids.FEEDBACK_REFRESH, "data"),
        Input(ids.FEEDBACK_CORRECT, "n_clicks"),
        Input(ids.FEEDBACK_INCORRECT, "n_clicks"),
        Input(ids.FEEDBACK_SAVE, "n_clicks"),
        State(ids.FEEDBACK_MODEL, "value"),
        State(ids.FEEDBACK_SELECTED, "value"),
        State(ids.FEEDBACK_OUTCOME, "value"),
        State(ids.FEEDBACK_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def give(_c: Any, _i: Any, _s: Any, name: str, prediction_id: str | None, outcome: Any, refresh: int):
        return submit_from_buttons(services, name, prediction_id, outcome, ctx.triggered_id, refresh)

    @app.callback(
        Output(ids.FEEDBACK_UPLOAD_REPORT, "children"),
        Output(ids.FEEDBACK_REFRESH, "data", allow_duplicate=True),
        Input(ids.FEEDBACK_UPLOAD, "contents"),
        State(ids.FEEDBACK_UPLOAD, "filename"),
        State(ids.FEEDBACK_MODEL, "value"),
        State(ids.FEEDBACK_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def upload(contents: str | None, filename: str | None, name: str, refresh: int) -> tuple[Any, Any]:
        if not contents:
            return dash.no_update, dash.no_update
        try:
            record = services.registry.get(name)
            content = base64.b64decode(contents.partition(",")[2], validate=True)
        except RegistryError as exc:
            return page.upload_report("", [], str(exc)), dash.no_update
        except (binascii.Error, ValueError):
            return page.upload_report(
                "", [], "The upload arrived damaged; choose the file again."
            ), dash.no_update
        try:
            outcome = upload_feedback(store, services.engine, record, content, filename or "upload.csv")
        except sa.exc.SQLAlchemyError as exc:
            message = f"The database is unavailable ({type(exc).__name__}); upload the file again later."
            return page.upload_report("", [], message), dash.no_update
        if outcome.result is None:
            return page.upload_report("", [], outcome.file_error), dash.no_update
        return page.upload_report(outcome.result.summary(), outcome.problems), (refresh or 0) + 1

    register_url_sync(app, ids.FEEDBACK_URL_STATE, {"model": (ids.FEEDBACK_MODEL, "value")})


VERDICT_BUTTONS = {
    ids.FEEDBACK_CORRECT: "correct",
    ids.FEEDBACK_INCORRECT: "incorrect",
    ids.WHATIF_FB_CORRECT: "correct",
    ids.WHATIF_FB_INCORRECT: "incorrect",
}


def submit_from_buttons(
    services: Services, name: str, prediction_id: str | None, outcome: Any, trigger: Any, refresh: int | None
) -> tuple[Component, Any]:
    """A verdict button sends the verdict (with the outcome if typed); Save sends the outcome."""
    if not (prediction_id or "").strip():
        return dbc.Alert("Pick a prediction first.", color="warning"), dash.no_update
    verdict = VERDICT_BUTTONS.get(trigger)
    outcome = None if outcome in (None, "") else outcome
    if verdict is None and outcome is None:
        return dbc.Alert("Type the true outcome before saving it.", color="warning"), dash.no_update
    try:
        services.feedback.submit_one(name, prediction_id.strip(), outcome=outcome, verdict=verdict)
    except FeedbackError as exc:
        return dbc.Alert(str(exc), color="danger", className="portal-feedback-error"), dash.no_update
    except sa.exc.SQLAlchemyError as exc:
        message = f"Not saved: the database is unavailable ({type(exc).__name__}). Try again shortly."
        return dbc.Alert(message, color="danger", className="portal-feedback-error"), dash.no_update
    what = verdict or f"outcome {outcome}"
    return (
        dbc.Alert(
            f"Saved: {what} for prediction {prediction_id.strip()}.",
            color="success",
            className="portal-feedback-saved",
        ),
        (refresh or 0) + 1,
    )
