"""Drift page callbacks: thin wrappers over portal.monitoring.drift and the layout's figure builders."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, State
from dash.development.base_component import Component

from callbacks import drift_quality
from callbacks.url_state import register_url_sync
from callbacks.version_sync import register_version_sync
from layouts import drift
from layouts.components import empty_state, no_data
from layouts.model_picker import known_version
from models import monitoring
from models.caching import cached_call
from models.registry import RegistryError
from portal import ids
from portal.monitoring import drift as drift_service
from portal.predlog import windows as logged_data
from portal.services import Services

log = logging.getLogger(__name__)
WINDOW_INPUTS = (
    Input(ids.DRIFT_MODEL, "value"),
    Input(ids.DRIFT_VERSION, "value"),
    Input(ids.DRIFT_WINDOW, "value"),
)


def register(app: dash.Dash, services: Services) -> None:
    """Version and window choices follow the model; the view follows model, version and window."""
    registry = services.registry

    def view(name: str, version: Any, window: str) -> tuple[Any, Any, Any]:
        """(record, spec, view) or raises RegistryError / WindowError."""
        record = registry.get(name, known_version(registry, name, version))
        spec = drift_service.window_spec(name, record.version if version else None, window)
        return record, spec, drift_service.drift_view(services, record, spec)

    register_version_sync(app, registry, ids.DRIFT_MODEL, ids.DRIFT_VERSION)
    drift_quality.register(app, services)

    @app.callback(
        Output(ids.DRIFT_WINDOW, "options"),
        Output(ids.DRIFT_WINDOW, "value"),
        Output(ids.DRIFT_WINDOW_NOTE, "children"),
        Input(ids.DRIFT_MODEL, "value"),
        State(ids.DRIFT_WINDOW, "value"),
        prevent_initial_call=True,
    )
    def switch_model(name: str, window: str | None) -> tuple[Any, ...]:
        windows = drift_service.window_options(services, name)
        if window in {o["value"] for o in windows}:
            return windows, window, dash.no_update
        opened = drift_service.choose_window(services, name, windows)
        return windows, opened.value, opened.note

    @app.callback(
        Output(ids.DRIFT_KPIS, "children"),
        Output(ids.DRIFT_TABLE, "rowData"),
        Output(ids.DRIFT_PREDICTIONS, "figure"),
        Output(ids.DRIFT_EXPORT, "href"),
        *WINDOW_INPUTS,
    )
    def summary(name: str, version: Any, window: str) -> tuple[Component, list, go.Figure, str]:
        title = "Prediction drift"
        try:
            record, _spec, result = view(name, version, window)
        except (RegistryError, drift_service.WindowError) as exc:
            return (
                empty_state("Cannot compute drift.", str(exc)),
                [],
                no_data(title, str(exc)),
                dash.no_update,
            )
        href = drift.export_href(name, known_version(registry, name, version), window)
        if not result.window_rows:
            message = "No logged predictions in this window"
            hint = "Score a batch on the Batch page, call the REST API, or pick a longer window."
            return empty_state(message + ".", hint), [], no_data(title, message), href
        label = (
            f"P({record.classes[-1]})" if record.task == "classification" and record.classes else "prediction"
        )
        figure = drift.predictions_figure(result.spread, result.reference_quantiles, label)
        if result.spread.empty:
            figure = no_data(title, "No outputs logged in this window")
        return drift.kpis(result, result.result), drift.table_rows(result), figure, href

    @app.callback(
        Output(ids.DRIFT_FEATURE, "value"),
        Input(ids.DRIFT_TABLE, "cellClicked"),
        prevent_initial_call=True,
    )
    def pick_from_table(cell: dict[str, Any] | None) -> Any:
        # Rows are identified by their feature name (getRowId), whichever cell was clicked.
        return (cell or {}).get("rowId") or dash.no_update

    @app.callback(Output(ids.DRIFT_OVERLAY, "figure"), *WINDOW_INPUTS, Input(ids.DRIFT_FEATURE, "value"))
    def overlay(name: str, version: Any, window: str, feature: str | None) -> go.Figure:
        title = "Reference against current"
        try:
            record, spec, result = view(name, version, window)
        except (RegistryError, drift_service.WindowError) as exc:
            return no_data(title, str(exc))
        if not result.window_rows:
            return no_data(title, "No logged predictions in this window")
        chosen = feature if feature in record.feature_names else result.result.features[0].feature
        kind = next(s.kind for s in record.schema if s.name == chosen)
        numeric = kind != "categorical"
        digest = hashlib.sha256(repr((record.model_sha256, spec, result.window_rows, chosen)).encode())
        table = cached_call(
            services.figure_cache,
            "figures",
            f"drift-overlay:{digest.hexdigest()[:32]}",
            lambda: monitoring.overlay(
                registry.reference(record.name, record.version)[chosen],
                logged_data.load_window(services.engine, spec, record.schema).features[chosen],
                "numeric" if numeric else "categorical",
            ),
            local=True,
        )
        return drift.overlay_figure(table, chosen, numeric)

    register_url_sync(
        app,
        ids.DRIFT_URL_STATE,
        {
            "model": (ids.DRIFT_MODEL, "value"),
            "version": (ids.DRIFT_VERSION, "value"),
            "window": (ids.DRIFT_WINDOW, "value"),
            "feature": (ids.DRIFT_FEATURE, "value"),
        },
    )
