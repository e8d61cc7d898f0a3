"""Model performance on the reference data or a chosen month; every control lives in the URL."""

from __future__ import annotations

import math
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts import performance_live
from layouts.components import (
    METRIC_LABELS,
    empty_state,
    graph,
    kpi_card,
    labelled_dropdown,
    loading,
    page_header,
)
from layouts.model_picker import choice_or_message, picker, segment_options
from models import evaluation
from portal import ids
from portal.services import Services

DEFAULT_THRESHOLD = 0.5
DEFAULT_COSTS = {"cost_fp": 1.0, "cost_fn": 5.0, "benefit_tp": 0.0}


def number(raw: Any, default: float, low: float | None = None, high: float | None = None) -> float:
    """A query-string number, falling back to the default when absent or malformed."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return default
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        return default
    return value


def _number_input(component_id: str, label: str, value: float) -> Component:
    return html.Div(
        [
            dbc.Label(label, html_for=component_id),
            dbc.Input(id=component_id, type="number", value=value, step="any", debounce=True),
        ]
    )


def layout(
    services: Services,
    model: str | None = None,
    version: Any = None,
    source: str | None = None,
    threshold: Any = None,
    cost_fp: Any = None,
    cost_fn: Any = None,
    benefit_tp: Any = None,
    segment: str | None = None,
    period: Any = None,
    **_query: Any,
) -> Component:
    """Controls seeded from the query string, then metric cards and charts that callbacks fill."""
    registry = services.registry
    header = page_header(
        "Model performance", "Metrics and diagnostics on labelled data: the reference set or a month."
    )
    choice, message = choice_or_message(registry, header, model, version)
    if choice is None:
        return message
    name, record = choice.name, choice.record
    months = evaluation.available_months(registry, record)
    sources = source_options(months)
    chosen_source = source if source in {o["value"] for o in sources} else evaluation.REFERENCE
    controls = [
        *picker(ids.PERF_MODEL, ids.PERF_VERSION, choice),
        dbc.Col(labelled_dropdown(ids.PERF_SOURCE, "Data", sources, chosen_source), md=3),
    ]
    is_classifier = record.task == "classification"
    return html.Div(
        [
            header,
            dbc.Row(controls, className="g-3 mb-3"),
            loading(html.Div(id=ids.PERF_METRICS, className="mb-3")),
            performance_live.body(name, chosen_source, period),
            html.Div(
                _classifier_body(name, threshold, cost_fp, cost_fn, benefit_tp),
                id=ids.PERF_CLASSIFIER_BODY,
                style=shown(is_classifier),
            ),
            html.Div(
                _regressor_body(name, segment_options(record), segment),
                id=ids.PERF_REGRESSOR_BODY,
                style=shown(not is_classifier),
            ),
            dcc.Store(id=ids.PERF_URL_STATE),
        ]
    )


def shown(visible: bool) -> dict[str, str]:
    """Both task bodies stay on the page (so every callback has its inputs); one is hidden."""
    return {} if visible else {"display": "none"}


def source_options(months: list[str]) -> list[dict[str, str]]:
    return [
        {"label": "Reference (hold-out) data", "value": evaluation.REFERENCE},
        performance_live.LIVE_OPTION,
    ] + [{"label": month, "value": month} for month in months]


def _classifier_body(name: str, threshold: Any, cost_fp: Any, cost_fn: Any, benefit_tp: Any) -> Component:
    chosen = number(threshold, DEFAULT_THRESHOLD, 0.0, 1.0)
    costs = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Decision threshold", html_for=ids.PERF_THRESHOLD),
                    dcc.Slider(
                        id=ids.PERF_THRESHOLD,
                        min=0,
                        max=1,
                        step=0.01,
                        value=chosen,
                        marks={v / 10: f"{v / 10:.1f}" for v in range(0, 11, 2)},
                        tooltip={"placement": "bottom", "always_visible": False},
                    ),
                ],
                md=6,
            ),
            dbc.Col(
                _number_input(
                    ids.PERF_COST_FP, "Cost of a false positive", number(cost_fp, DEFAULT_COSTS["cost_fp"])
                ),
                md=2,
            ),
            dbc.Col(
                _number_input(
                    ids.PERF_COST_FN, "Cost of a false negative", number(cost_fn, DEFAULT_COSTS["cost_fn"])
                ),
                md=2,
            ),
            dbc.Col(
                _number_input(
                    ids.PERF_BENEFIT_TP,
                    "Benefit of a true positive",
                    number(benefit_tp, DEFAULT_COSTS["benefit_tp"]),
                ),
                md=2,
            ),
        ],
        className="g-3 mb-2",
    )
    return html.Div(
        [
            costs,
            html.Div(id=ids.PERF_THRESHOLD_SUMMARY, className="mb-3 portal-threshold-summary"),
            dbc.Row(
                [dbc.Col(graph(ids.PERF_CONFUSION, name), md=6), dbc.Col(graph(ids.PERF_ROC, name), md=6)]
            ),
            dbc.Row(
                [dbc.Col(graph(ids.PERF_PR, name), md=6), dbc.Col(graph(ids.PERF_CALIBRATION, name), md=6)]
            ),
            graph(ids.PERF_IMPORTANCE, name),
        ]
    )


def _regressor_body(name: str, categorical: list[str], segment: str | None) -> Component:
    chosen = segment if segment in categorical else (categorical[0] if categorical else None)
    return html.Div(
        [
            dbc.Row(
                [dbc.Col(graph(ids.PERF_SCATTER, name), md=6), dbc.Col(graph(ids.PERF_RESIDUALS, name), md=6)]
            ),
            dbc.Row(
                dbc.Col(
                    labelled_dropdown(
                        ids.PERF_SEGMENT,
                        "Segment by",
                        [{"label": c, "value": c} for c in categorical],
                        chosen,
                    ),
                    md=3,
                ),
                className="mb-2",
            ),
            graph(ids.PERF_SEGMENT_ERRORS, name),
            graph(ids.PERF_IMPORTANCE_REGRESSOR, name),
        ]
    )


def metric_cards(scored: evaluation.Scored) -> Component:
    """One card per metric plus the row count; an explanation when the source has no labels."""
    if not scored.rows:
        if scored.source == performance_live.LIVE:
            return empty_state(
                "No logged prediction has a known outcome yet.",
                "Give feedback on the Feedback or What-if page, or upload a file of outcomes.",
            )
        label = "the reference data" if scored.source == evaluation.REFERENCE else scored.source
        return empty_state(f"No labelled data for {label}.", "Pick another month, or the reference data.")
    cards = [dbc.Col(kpi_card("Labelled rows", f"{scored.rows:,}"), md=2, className="mb-2")]
    for key, value in scored.metrics.items():
        cards.append(dbc.Col(kpi_card(METRIC_LABELS.get(key, key), f"{value:.4g}"), md=2, className="mb-2"))
    return dbc.Row(cards, className="g-2")


def threshold_summary(result: evaluation.ThresholdResult) -> Component:
    """Precision, recall and expected cost at the chosen threshold, in words."""
    return dbc.Alert(
        [
            html.Strong(f"At threshold {result.threshold:.2f}: "),
            html.Span(f"precision {result.precision:.1%}, recall {result.recall:.1%}, "),
            html.Span(f"{result.tp + result.fp:,} flagged; expected cost {result.cost:,.2f}"),
            html.Span(" (negative = net benefit)", className="text-muted") if result.cost < 0 else "",
        ],
        color="light",
        className="mb-0",
    )
