"""Batch scoring callbacks: validate an upload and score it as background jobs, with progress and cancel."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State

from layouts import batch as page
from models.registry import RegistryError
from portal import ids
from portal.batch.jobs import score_batch, store_for, validate_upload
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services

MODEL_SYNC = """
function(model) {
    window.portalBatch = {model: model};
    return model;
}
"""


def register(app: dash.Dash, services: Services) -> None:
    """Wire the page; the work is in ``portal.batch.jobs`` and runs in ``services.jobs``."""
    store = store_for(services)

    app.clientside_callback(MODEL_SYNC, Output(ids.BATCH_MODEL_SYNC, "data"), Input(ids.BATCH_MODEL, "value"))

    @app.callback(
        Output(ids.BATCH_VALIDATION, "children"),
        Output(ids.BATCH_VALIDATED, "data"),
        Output(ids.BATCH_SCORE, "disabled", allow_duplicate=True),
        Output(ids.BATCH_RESULT, "children", allow_duplicate=True),
        Input(ids.BATCH_UPLOAD, "data"),
        progress=[Output(ids.BATCH_VALIDATION_PROGRESS, "children")],
        background=True,
        manager=services.jobs,
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def validate(set_progress: Any, upload: dict | None) -> tuple:
        batch_id = (upload or {}).get("batch_id", "")
        outcome = validate_upload(
            services, batch_id, lambda rows, _total: set_progress(f"Checked {rows:,} rows")
        )
        set_progress("")
        view = page.validation_view(batch_id, outcome.ok, outcome.message, outcome.report)
        return view, {"batch_id": batch_id, "ok": outcome.ok}, not outcome.ok, None

    @app.callback(
        Output(ids.BATCH_RESULT, "children"),
        Output(ids.BATCH_STATUS, "children"),
        Input(ids.BATCH_SCORE, "n_clicks"),
        State(ids.BATCH_VALIDATED, "data"),
        progress=[
            Output(ids.BATCH_PROGRESS, "value"),
            Output(ids.BATCH_PROGRESS, "label"),
            Output(ids.BATCH_PROGRESS_TEXT, "children"),
        ],
        running=[
            (Output(ids.BATCH_SCORE, "disabled"), True, False),
            (Output(ids.BATCH_CANCEL, "disabled"), False, True),
        ],
        cancel=[Input(ids.BATCH_CANCEL, "n_clicks")],
        background=True,
        manager=services.jobs,
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def score(set_progress: Any, _clicks: int | None, validated: dict | None) -> tuple:
        batch_id = (validated or {}).get("batch_id", "")
        if not (validated or {}).get("ok"):
            return None, dbc.Alert("Upload a file that passes validation first.", color="warning")

        def progress(done: int, total: int | None) -> None:
            percent = round(100 * done / total) if total else 0
            set_progress((percent, f"{percent}%", f"{done:,} of {total or 0:,} rows scored"))

        set_progress((0, "", "Starting..."))
        outcome = score_batch(services, batch_id, progress)
        if not outcome.ok:
            return None, dbc.Alert(outcome.message, color="danger", className="portal-batch-failed")
        found = store.get(batch_id)
        try:
            version = services.registry.get(found.model_name, found.model_version)
        except RegistryError as exc:
            return None, dbc.Alert(str(exc), color="danger")
        view = page.result_view(
            store.folder(batch_id), batch_id, outcome.message, version.task, len(version.classes or [])
        )
        return view, ""

    @app.callback(
        Output(ids.BATCH_CANCEL_STATUS, "children"),
        Input(ids.BATCH_CANCEL, "n_clicks"),
        State(ids.BATCH_VALIDATED, "data"),
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def cancel(_clicks: int | None, validated: dict | None) -> Any:
        batch_id = (validated or {}).get("batch_id", "")
        if batch_id and store.cancel(batch_id):
            return dbc.Alert(
                "Scoring was cancelled; no result was kept.",
                color="warning",
                className="portal-batch-cancelled",
            )
        return dash.no_update
