"""What-if callbacks: rebuild the form for a model or record, predict, explain and sweep."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, html

from callbacks.feedback import submit_from_buttons
from callbacks.version_sync import register_version_sync
from layouts import whatif, whatif_feedback
from layouts.components import no_data
from layouts.model_picker import known_version
from models import explain, inference, sensitivity
from models.registry import RegistryError
from models.schema import CATEGORICAL, DATETIME, validate_records
from portal import ids
from portal.services import Services
from portal.web import url_controls

FIELDS = {"type": ids.WHATIF_FIELD, "feature": ALL}

URL_SYNC = """
function(model, version, record, sweep, values, fieldIds) {
    const params = new URLSearchParams();
    if (model) { params.set('model', model); }
    if (version) { params.set('version', String(version)); }
    if (record) { params.set('record', record); }
    if (sweep) { params.set('sweep', sweep); }
    (fieldIds || []).forEach(function(fid, i) {
        const v = values[i];
        params.set('f.' + fid.feature, v === null || v === undefined ? '' : String(v));
    });
    const token = new URLSearchParams(window.location.search).get('token');
    if (token) { params.set('token', token); }
    const target = window.location.pathname + '?' + params.toString();
    if (target !== window.location.pathname + window.location.search) {
        window.history.replaceState(window.history.state, '', target);
    }
    return params.toString();
}
"""


def register(app: dash.Dash, services: Services) -> None:
    """Form generation, prediction with explanation, and the sensitivity sweep."""
    registry = services.registry

    def case(
        name: str, version: int | None, feature_ids: list[dict[str, str]], values: list[Any]
    ) -> tuple[Any, Any, list[Any]]:
        """The model version, a validated one-row frame (or None) and the validation errors."""
        record = registry.get(name, known_version(registry, name, version))
        raw = {fid["feature"]: value for fid, value in zip(feature_ids, values, strict=True)}
        frame, errors, _ = validate_records([raw], record.schema)
        return record, frame, errors

    register_version_sync(app, registry, ids.WHATIF_MODEL, ids.WHATIF_VERSION)

    @app.callback(
        Output(ids.WHATIF_FORM, "children"),
        Output(ids.WHATIF_RECORD_STATUS, "children"),
        Output(ids.WHATIF_RENDERED, "data"),
        Output(ids.WHATIF_SENSITIVITY_FEATURE, "options"),
        Output(ids.WHATIF_SENSITIVITY_FEATURE, "value"),
        Input(ids.WHATIF_MODEL, "value"),
        Input(ids.WHATIF_VERSION, "value"),
        Input(ids.WHATIF_RECORD, "value"),
        State(ids.WHATIF_RENDERED, "data"),
        State(ids.WHATIF_SENSITIVITY_FEATURE, "value"),
        prevent_initial_call=True,
    )
    def rebuild_form(
        name: str, version: int | None, record_id: str | None, rendered: dict | None, sweep: str | None
    ) -> tuple:
        # Dash also fires this when the page is drawn; the layout already built that form.
        key = whatif.rendered_key(name, version, record_id)
        if rendered == key:
            return (dash.no_update,) * 5
        try:
            record = registry.get(name, known_version(registry, name, version))
        except RegistryError as exc:
            return dash.no_update, str(exc), dash.no_update, dash.no_update, dash.no_update
        values, status = whatif.initial_values(services, record, (record_id or "").strip(), {})
        features = record.feature_names
        chosen = sweep if sweep in features else features[0]
        return (
            whatif.form(record, values),
            status,
            key,
            features,
            chosen,
        )

    @app.callback(
        Output(ids.WHATIF_RESULT, "children"),
        Output(ids.WHATIF_CONTRIBUTIONS, "figure"),
        Output(ids.WHATIF_ERRORS, "children"),
        Input(FIELDS, "value"),
        State(FIELDS, "id"),
        State(ids.WHATIF_MODEL, "value"),
        State(ids.WHATIF_VERSION, "value"),
    )
    def predict(
        values: list[Any], feature_ids: list[dict[str, str]], name: str, version: int | None
    ) -> tuple[Any, go.Figure, Any]:
        try:
            record, frame, errors = case(name, version, feature_ids, values)
        except RegistryError as exc:
            return (
                "",
                no_data("Why: feature contributions", "Model unavailable"),
                dbc.Alert(str(exc), color="danger"),
            )
        if errors:
            items = [dbc.ListGroupItem(f"{e.field}: {e.message}") for e in errors]
            alert = dbc.Alert(
                ["Fix these inputs to see a prediction:", dbc.ListGroup(items, flush=True)],
                color="warning",
                className="portal-whatif-errors",
            )
            return "", no_data("Why: feature contributions", "Waiting for valid inputs"), alert
        result = inference.predict(
            registry,
            services.inference_cache,
            name,
            frame,
            record.version,
            scorer=services.predict_batcher.predict,
        )
        logged = services.prediction_log.record_frame(result, frame, source="ui")
        services.shadow.offer(result, frame, logged)
        row = result.records()[0]
        explanation = explain.explain(registry, services.inference_cache, name, frame, record.version)
        card = whatif.result_card(record.task, row["prediction"], row.get("probabilities"), result.version)
        card = html.Div([card, whatif_feedback.block(logged[0], record.task)])
        return card, whatif.contributions_figure(explanation), ""

    @app.callback(
        Output(ids.WHATIF_SENSITIVITY, "figure"),
        Input(FIELDS, "value"),
        Input(ids.WHATIF_SENSITIVITY_FEATURE, "value"),
        State(FIELDS, "id"),
        State(ids.WHATIF_MODEL, "value"),
        State(ids.WHATIF_VERSION, "value"),
    )
    def sweep(
        values: list[Any], feature: str, feature_ids: list[dict[str, str]], name: str, version: int | None
    ) -> go.Figure:
        try:
            record, frame, errors = case(name, version, feature_ids, values)
        except RegistryError:
            return no_data("What if", "Model unavailable")
        if errors or feature not in record.feature_names:
            return no_data("What if", "Waiting for valid inputs")
        spec = next(s for s in record.schema if s.name == feature)
        table = sensitivity.sweep(registry, services.inference_cache, record, frame, feature)
        current = None if spec.kind in {CATEGORICAL, DATETIME} else frame[feature].iloc[0]
        return whatif.sensitivity_figure(table, feature, spec.kind == CATEGORICAL, current)

    app.clientside_callback(
        URL_SYNC,
        Output(ids.WHATIF_URL_STATE, "data"),
        Input(ids.WHATIF_MODEL, "value"),
        Input(ids.WHATIF_VERSION, "value"),
        Input(ids.WHATIF_RECORD, "value"),
        Input(ids.WHATIF_SENSITIVITY_FEATURE, "value"),
        Input(FIELDS, "value"),
        State(FIELDS, "id"),
    )

    @app.callback(
        Output(ids.WHATIF_FB_STATUS, "children"),
        Input(ids.WHATIF_FB_CORRECT, "n_clicks"),
        Input(ids.WHATIF_FB_INCORRECT, "n_clicks"),
        Input(ids.WHATIF_FB_SAVE, "n_clicks"),
        State(ids.WHATIF_MODEL, "value"),
        State(ids.WHATIF_FB_PREDICTION, "data"),
        State(ids.WHATIF_FB_OUTCOME, "value"),
        prevent_initial_call=True,
    )
    def feedback(_c: Any, _i: Any, _s: Any, name: str, prediction_id: str | None, outcome: Any) -> Any:
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return dash.no_update  # the strip was just drawn; nobody clicked
        status, _ = submit_from_buttons(services, name, prediction_id, outcome, ctx.triggered_id, 0)
        return status

    url_controls.record(
        app.server,
        {
            "model": ids.WHATIF_MODEL,
            "version": ids.WHATIF_VERSION,
            "record": ids.WHATIF_RECORD,
            "sweep": ids.WHATIF_SENSITIVITY_FEATURE,
        },
    )
