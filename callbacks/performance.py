"""Performance page callbacks: thin wrappers over models.evaluation and models.figures."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, State
from dash.development.base_component import Component

from callbacks import performance_live
from callbacks.url_state import register_url_sync
from layouts import performance
from layouts.components import no_data
from layouts.model_picker import known_version, segment_options, version_choices
from models import evaluation, figures, live
from models.registry import RegistryError
from portal import ids
from portal.services import Services

SOURCE_INPUTS = (
    Input(ids.PERF_MODEL, "value"),
    Input(ids.PERF_VERSION, "value"),
    Input(ids.PERF_SOURCE, "value"),
)


def register(app: dash.Dash, services: Services) -> None:
    """Switching model re-renders the page; other controls update charts in place."""

    def scored(name: str, version: int | None, source: str) -> evaluation.Scored | None:
        try:
            if source == live.LIVE:
                return performance_live.live_scored_or_none(services, name, version)
            return evaluation.score(
                services.registry,
                services.figure_cache,
                name,
                source or "reference",
                known_version(services.registry, name, version),
            )
        except RegistryError:
            return None

    @app.callback(
        Output(ids.PERF_VERSION, "options"),
        Output(ids.PERF_VERSION, "value"),
        Output(ids.PERF_SOURCE, "options"),
        Output(ids.PERF_SOURCE, "value"),
        Output(ids.PERF_SEGMENT, "options"),
        Output(ids.PERF_SEGMENT, "value"),
        Output(ids.PERF_CLASSIFIER_BODY, "style"),
        Output(ids.PERF_REGRESSOR_BODY, "style"),
        Input(ids.PERF_MODEL, "value"),
        State(ids.PERF_VERSION, "value"),
        State(ids.PERF_SOURCE, "value"),
        State(ids.PERF_SEGMENT, "value"),
        prevent_initial_call=True,
    )
    def switch_model(
        name: str, version: int | None, source: str | None, segment: str | None
    ) -> tuple[Any, ...]:
        # A model's task decides which body shows; versions, months and segments are its own.
        try:
            record = services.registry.get(name)
        except RegistryError:
            return (dash.no_update,) * 8
        options, kept_version = version_choices(services.registry, name, version)
        sources = performance.source_options(evaluation.available_months(services.registry, record))
        segments = segment_options(record)
        is_classifier = record.task == "classification"
        return (
            options,
            kept_version,
            sources,
            source if source in {o["value"] for o in sources} else evaluation.REFERENCE,
            [{"label": c, "value": c} for c in segments],
            segment if segment in segments else (segments[0] if segments else None),
            performance.shown(is_classifier),
            performance.shown(not is_classifier),
        )

    @app.callback(Output(ids.PERF_METRICS, "children"), *SOURCE_INPUTS)
    def metrics(name: str, version: int | None, source: str) -> Component:
        result = scored(name, version, source)
        if result is None:
            return performance.empty_state(f"Model {name!r} cannot be scored.", "See /readyz for details.")
        return performance.metric_cards(result)

    @app.callback(
        Output(ids.PERF_ROC, "figure"),
        Output(ids.PERF_PR, "figure"),
        Output(ids.PERF_CALIBRATION, "figure"),
        *SOURCE_INPUTS,
    )
    def classifier_curves(name: str, version: int | None, source: str) -> tuple[go.Figure, ...]:
        result = scored(name, version, source)
        if result is not None and result.task != "classification":
            return (dash.no_update,) * 3
        if result is None or not result.rows or not result.has_both_classes:
            message = "No labelled data with both classes for this selection"
            return tuple(
                no_data(t, message) for t in ("ROC curve", "Precision-recall", "Calibration")
            )
        cache = services.figure_cache
        return (
            figures.roc_curve(*evaluation.derived(cache, result, "roc", evaluation.roc_points)),
            figures.pr_curve(*evaluation.derived(cache, result, "pr", evaluation.pr_points)),
            figures.calibration(
                evaluation.derived(cache, result, "calibration", evaluation.calibration_table)
            ),
        )

    @app.callback(
        Output(ids.PERF_CONFUSION, "figure"),
        Output(ids.PERF_THRESHOLD_SUMMARY, "children"),
        *SOURCE_INPUTS,
        Input(ids.PERF_THRESHOLD, "value"),
        Input(ids.PERF_COST_FP, "value"),
        Input(ids.PERF_COST_FN, "value"),
        Input(ids.PERF_BENEFIT_TP, "value"),
    )
    def confusion(
        name: str,
        version: int | None,
        source: str,
        threshold: Any,
        cost_fp: Any,
        cost_fn: Any,
        benefit_tp: Any,
    ) -> tuple[go.Figure, Component]:
        result = scored(name, version, source)
        if result is not None and result.task != "classification":
            return dash.no_update, dash.no_update
        if result is None or not result.rows:
            return no_data("Confusion matrix", "No labelled data for this selection"), ""
        outcome = evaluation.at_threshold(
            result,
            performance.number(threshold, performance.DEFAULT_THRESHOLD, 0, 1),
            performance.number(cost_fp, performance.DEFAULT_COSTS["cost_fp"]),
            performance.number(cost_fn, performance.DEFAULT_COSTS["cost_fn"]),
            performance.number(benefit_tp, performance.DEFAULT_COSTS["benefit_tp"]),
        )
        figure = figures.confusion_matrix(
            outcome.tp, outcome.fp, outcome.fn, outcome.tn, str(result.positive), result.negative_label
        )
        return figure, performance.threshold_summary(outcome)

    @app.callback(Output(ids.PERF_SCATTER, "figure"), Output(ids.PERF_RESIDUALS, "figure"), *SOURCE_INPUTS)
    def regression_charts(name: str, version: int | None, source: str) -> tuple[go.Figure, go.Figure]:
        result = scored(name, version, source)
        if result is not None and result.task != "regression":
            return dash.no_update, dash.no_update
        if result is None or not result.rows:
            message = "No labelled data for this selection"
            return no_data("Predicted against actual", message), no_data(
                "Residuals", message
            )
        return figures.predicted_vs_actual(result.actual, result.predicted), figures.residuals(
            result.actual, result.predicted
        )

    @app.callback(Output(ids.PERF_SEGMENT_ERRORS, "figure"), *SOURCE_INPUTS, Input(ids.PERF_SEGMENT, "value"))
    def segment_errors(name: str, version: int | None, source: str, segment: str | None) -> go.Figure:
        result = scored(name, version, source)
        if result is not None and result.task != "regression":
            return dash.no_update
        if result is None or not result.rows or segment not in result.segments:
            return no_data("Error by segment", "Pick a categorical feature with labelled rows")
        table = evaluation.derived(
            services.figure_cache,
            result,
            f"segment:{segment}",
            lambda r: evaluation.error_by_segment(r, segment),
        )
        return figures.error_by_segment(table, segment)

    @app.callback(
        Output(ids.PERF_IMPORTANCE, "figure"),
        Input(ids.PERF_MODEL, "value"),
        Input(ids.PERF_VERSION, "value"),
    )
    def importance(name: str, version: int | None) -> go.Figure:
        try:
            record = services.registry.get(name, version)
        except RegistryError:
            return no_data("Global feature importance", "Model unavailable")
        return figures.importance(record.metadata.get("global_importance", {}))

    register_url_sync(
        app,
        ids.PERF_URL_STATE,
        {
            "model": (ids.PERF_MODEL, "value"),
            "version": (ids.PERF_VERSION, "value"),
            "source": (ids.PERF_SOURCE, "value"),
            "threshold": (ids.PERF_THRESHOLD, "value"),
            "cost_fp": (ids.PERF_COST_FP, "value"),
            "cost_fn": (ids.PERF_COST_FN, "value"),
            "benefit_tp": (ids.PERF_BENEFIT_TP, "value"),
            "segment": (ids.PERF_SEGMENT, "value"),
            "period": (ids.PERF_LIVE_PERIOD, "value"),
        },
    )
    performance_live.register(app, services)
