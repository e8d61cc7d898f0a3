"""The Performance page's live source: logged predictions joined with feedback, per day or week."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
import sqlalchemy as sa
from dash import Input, Output
from dash.development.base_component import Component

from layouts import performance_live
from layouts.components import no_data
from layouts.model_picker import known_version
from models import evaluation, live
from models.estimation import MIN_ROWS
from models.registry import RegistryError
from portal import ids
from portal.feedback.labelled import Labelled, labelled_window
from portal.monitoring.estimated import estimated_view
from portal.predlog.windows import WindowSpec
from portal.services import Services

# Labelled rows the page reads at most: beyond it, a uniform sample (accuracy within about 0.004),
# so a worker's memory stays flat however many outcomes arrive.
LIVE_SAMPLE_ROWS = 20_000


def labelled(services: Services, name: str, version: Any) -> tuple[Any, Labelled]:
    """The version record and its logged rows with feedback; a pinned version limits the rows to it."""
    pinned = known_version(services.registry, name, version)
    record = services.registry.get(name, pinned)
    spec = WindowSpec(name, pinned)
    return record, labelled_window(services.engine, record, spec, max_rows=LIVE_SAMPLE_ROWS)


def live_scored(services: Services, name: str, version: Any) -> evaluation.Scored:
    """The page's usual Scored, over logged rows whose true outcome analysts gave."""
    record, rows = labelled(services, name, version)
    return live.live_scored(rows.meta, rows.features, record)


def live_scored_or_none(services: Services, name: str, version: Any) -> evaluation.Scored | None:
    """As ``live_scored``; None (the page says the model cannot be scored) while the database is down."""
    try:
        return live_scored(services, name, version)
    except sa.exc.SQLAlchemyError:
        return None


def register(app: dash.Dash, services: Services) -> None:
    @app.callback(
        Output(ids.PERF_LIVE_BODY, "style"),
        Output(ids.PERF_LIVE_COVERAGE, "children"),
        Output(ids.PERF_LIVE_TREND, "figure"),
        Input(ids.PERF_MODEL, "value"),
        Input(ids.PERF_VERSION, "value"),
        Input(ids.PERF_SOURCE, "value"),
        Input(ids.PERF_LIVE_PERIOD, "value"),
    )
    def live_panel(name: str, version: Any, source: str, period: str) -> tuple[dict, Component, go.Figure]:
        if source != live.LIVE:
            return {"display": "none"}, "", dash.no_update
        period = performance_live.chosen_period(period)
        try:
            record, rows = labelled(services, name, version)
        except RegistryError as exc:
            return {}, str(exc), no_data("Live performance", "Model unavailable")
        except sa.exc.SQLAlchemyError as exc:
            message = f"The prediction log is unavailable ({type(exc).__name__})"
            return {}, message, no_data("Live performance", message)
        table = live.metrics_over_time(rows.meta, rows.logged_per_day, record, period, rows.sample_share)
        counts = rows.counts
        with_feedback = counts.with_feedback if counts else int(rows.with_feedback.sum())
        with_outcome = counts.with_outcome if counts else int(rows.meta["outcome"].notna().sum())
        coverage = performance_live.coverage_text(
            rows.logged, with_feedback, with_outcome, len(rows.meta) if rows.sampled else None
        )
        if not rows.logged:
            return {}, coverage, no_data("Live performance", "No predictions logged for this model yet")
        return {}, coverage, performance_live.trend_figure(table, period)

    @app.callback(
        Output(ids.PERF_EST_METRIC, "options"),
        Output(ids.PERF_EST_METRIC, "value"),
        Output(ids.PERF_EST_NOTE, "children"),
        Output(ids.PERF_EST_TREND, "figure"),
        Input(ids.PERF_MODEL, "value"),
        Input(ids.PERF_VERSION, "value"),
        Input(ids.PERF_SOURCE, "value"),
        Input(ids.PERF_LIVE_PERIOD, "value"),
        Input(ids.PERF_EST_METRIC, "value"),
    )
    def estimated_panel(
        name: str, version: Any, source: str, period: str, metric: str | None
    ) -> tuple[Any, Any, Component, go.Figure]:
        if source != live.LIVE:
            return dash.no_update, dash.no_update, "", dash.no_update
        period = performance_live.chosen_period(period)
        title = "Estimated performance"
        try:
            record = services.registry.get(name, known_version(services.registry, name, version))
            view = estimated_view(services, record, period)
        except RegistryError as exc:
            return [], None, str(exc), no_data(title, "Model unavailable")
        except sa.exc.SQLAlchemyError as exc:
            message = f"The prediction log is unavailable ({type(exc).__name__})"
            return [], None, message, no_data(title, message)
        options = performance_live.metric_options(view.metrics)
        chosen = metric if metric in view.metrics else view.metrics[0]
        table = view.table()
        note = performance_live.estimated_note(table, period, view.calibrated, view.unavailable, MIN_ROWS)
        if view.unavailable or table.empty:
            return options, chosen, note, no_data(title, view.unavailable or "No predictions logged yet")
        return options, chosen, note, performance_live.estimated_figure(table, chosen, period)
