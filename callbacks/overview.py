"""Overview page callbacks: thin wrappers over models.population and the layout's figure builders."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import dash
import plotly.graph_objects as go
import sqlalchemy as sa
from dash import Input, Output, State
from dash.development.base_component import Component

from callbacks.grid_refresh import register_grid_refresh
from callbacks.url_state import register_url_sync
from callbacks.version_sync import register_version_sync
from layouts import alert_banner, overview
from layouts.components import no_data
from layouts.model_picker import known_version, segment_options
from models import grid_query, population
from models.registry import RegistryError
from portal import ids
from portal.alerts import store as alerts
from portal.services import Services

log = logging.getLogger(__name__)


def register(app: dash.Dash, services: Services) -> None:
    def scored(name: str | None, version: int | None) -> population.ScoredPopulation | None:
        if not name:
            return None
        try:
            pinned = known_version(services.registry, name, version)
            return population.scored_population(services.registry, services.settings.data_dir, name, pinned)
        except RegistryError:
            return None

    register_version_sync(app, services.registry, ids.OVERVIEW_MODEL, ids.OVERVIEW_VERSION)

    @app.callback(
        Output(ids.OVERVIEW_SEGMENT, "options"),
        Output(ids.OVERVIEW_SEGMENT, "value"),
        Output(ids.OVERVIEW_GRID, "columnDefs"),
        Output(ids.OVERVIEW_EXPORT, "href"),
        Input(ids.OVERVIEW_MODEL, "value"),
        Input(ids.OVERVIEW_VERSION, "value"),
        State(ids.OVERVIEW_SEGMENT, "value"),
        prevent_initial_call=True,
    )
    def switch_model(name: str, version: int | None, segment: str | None) -> tuple[Any, ...]:
        try:
            record = services.registry.get(name, known_version(services.registry, name, version))
        except RegistryError:
            return (dash.no_update,) * 4
        segments = segment_options(record)
        return (
            [{"label": s, "value": s} for s in segments],
            segment if segment in segments else (segments[0] if segments else None),
            overview.column_defs(record),
            overview.export_href(name, version),
        )

    @app.callback(Output(ids.OVERVIEW_ALERTS, "children"), Input(ids.OVERVIEW_MODEL, "value"))
    def open_alerts(name: str | None) -> list[Component]:
        if not name:
            return []
        try:
            return alert_banner.banner(alerts.listed(services.engine, name, alerts.OPEN))
        except sa.exc.SQLAlchemyError:  # the page still works without its banner while the database is down
            log.warning("open alerts unavailable", extra={"model": name})
            return []

    # After a model switch the grid keeps its datasource; new columns mean fetching rows again.
    register_grid_refresh(
        app, ids.OVERVIEW_GRID, ids.OVERVIEW_GRID_RESET, [Input(ids.OVERVIEW_GRID, "columnDefs")]
    )

    @app.callback(
        Output(ids.OVERVIEW_KPIS, "children"),
        Output(ids.OVERVIEW_DISTRIBUTION, "figure"),
        Output(ids.OVERVIEW_OVER_TIME, "figure"),
        Input(ids.OVERVIEW_MODEL, "value"),
        Input(ids.OVERVIEW_VERSION, "value"),
    )
    def summary(name: str, version: int | None) -> tuple[Component, go.Figure, go.Figure]:
        result = scored(name, version)
        if result is None:
            message = "Model unavailable"
            return (
                overview.empty_state(f"Model {name!r} cannot be scored.", "See /readyz for details."),
                no_data("Distribution of predictions", message),
                no_data("Predictions by month", message),
            )
        label = overview.value_label(result)
        summary = partial(population.cached_summary, services.figure_cache, result)
        distribution = overview.distribution_figure(summary("histogram"), label)
        months = summary("monthly")
        if len(months):
            over_time = overview.monthly_figure(months, label)
        else:
            over_time = no_data(f"{label} by month", "No monthly data: the data has no time column")
        return overview.kpis(result, summary("headline")), distribution, over_time

    @app.callback(
        Output(ids.OVERVIEW_BY_SEGMENT, "figure"),
        Input(ids.OVERVIEW_MODEL, "value"),
        Input(ids.OVERVIEW_VERSION, "value"),
        Input(ids.OVERVIEW_SEGMENT, "value"),
    )
    def segment_chart(name: str, version: int | None, segment: str | None) -> go.Figure:
        result = scored(name, version)
        if result is None or not result.rows or segment not in result.frame.columns:
            return no_data("Predictions by segment", "Pick a categorical feature to group by")
        label = overview.value_label(result)
        table = population.cached_summary(services.figure_cache, result, "segment", segment)
        return overview.segment_figure(table, segment, label)

    @app.callback(
        Output(ids.OVERVIEW_GRID, "getRowsResponse"),
        Output(ids.OVERVIEW_EXPORT, "href", allow_duplicate=True),
        Output(ids.OVERVIEW_DOWNLOAD, "children"),
        Input(ids.OVERVIEW_GRID, "getRowsRequest"),
        State(ids.OVERVIEW_MODEL, "value"),
        State(ids.OVERVIEW_VERSION, "value"),
        prevent_initial_call=True,
    )
    def rows(request: grid_query.GridRequest | None, name: str, version: int | None) -> tuple[Any, ...]:
        if not request:
            return dash.no_update, dash.no_update, dash.no_update
        result = scored(name, version)
        filter_model = request.get("filterModel") or {}
        sort_model = request.get("sortModel") or []
        if result is None:
            return {"rowData": [], "rowCount": 0}, dash.no_update, "Model unavailable"
        try:
            response = grid_query.rows_page(
                result, filter_model, sort_model, request.get("startRow", 0), request.get("endRow", 100)
            )
        except grid_query.QueryError as exc:
            log.info("grid request refused", extra={"error": str(exc)})
            return {"rowData": [], "rowCount": 0}, dash.no_update, f"Filter not applied: {exc}"
        count = response["rowCount"]
        note = f"{count:,} of {result.rows:,} rows match" if filter_model else f"{count:,} rows"
        return response, overview.export_href(name, version, filter_model, sort_model), note

    register_url_sync(
        app,
        ids.OVERVIEW_URL_STATE,
        {
            "model": (ids.OVERVIEW_MODEL, "value"),
            "version": (ids.OVERVIEW_VERSION, "value"),
            "segment": (ids.OVERVIEW_SEGMENT, "value"),
        },
    )
