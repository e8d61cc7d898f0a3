"""Model comparison: two versions side by side on the same rows; promotion or rollback with confirmation."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from layouts.compare_shadow import panel as shadow_panel
from layouts.components import (
    METRIC_LABELS,
    empty_state,
    graph,
    kpi_card,
    labelled_dropdown,
    loading,
    page_header,
    table,
)
from layouts.model_picker import parse_version
from models import figures
from models.registry import ModelRegistry, RegistryError
from portal import ids
from portal.security.layout_guard import may
from portal.security.roles import Role
from portal.services import Services

SHOWN_SEGMENTS = 30


def version_options(registry: ModelRegistry, name: str) -> tuple[list[dict[str, Any]], int]:
    versions = registry.versions(name)
    active = registry.active_version(name)
    options = [
        {"label": f"v{v.version}" + (" (active)" if v.version == active else ""), "value": v.version}
        for v in versions
    ]
    return options, active


def default_pair(registry: ModelRegistry, name: str, a: Any, b: Any) -> tuple[int, int]:
    """The active version against the newest other one, unless the URL names both."""
    numbers = [v.version for v in registry.versions(name)]
    active = registry.active_version(name)
    first, second = parse_version(a), parse_version(b)
    if first not in numbers:
        first = active
    if second not in numbers:
        others = [n for n in numbers if n != first]
        second = max(others) if others else first
    return first, second


def layout(
    services: Services, model: str | None = None, a: Any = None, b: Any = None, **_q: Any
) -> Component:
    """Pickers seeded from ``?model=&a=&b=``; the comparison itself is drawn by a callback."""
    registry = services.registry
    header = page_header(
        "Model comparison",
        "Two versions on the same labelled rows: metrics, metrics per segment, and how predictions differ.",
    )
    names = registry.names()
    if not names:
        return html.Div([header, empty_state("No model is registered yet.", "Run `portal demo`.")])
    name = model if model in names else names[0]
    try:
        options, active = version_options(registry, name)
        first, second = default_pair(registry, name, a, b)
    except RegistryError as exc:
        return html.Div([header, empty_state(f"Model {name!r} cannot be shown.", str(exc))])
    controls = dbc.Row(
        [
            dbc.Col(labelled_dropdown(ids.COMPARE_MODEL, "Model", names, name), md=3),
            dbc.Col(labelled_dropdown(ids.COMPARE_A, "Version A (baseline)", options, first), md=2),
            dbc.Col(labelled_dropdown(ids.COMPARE_B, "Version B (challenger)", options, second), md=2),
        ],
        className="g-3 mb-3",
    )
    return html.Div(
        [
            header,
            controls,
            _actions(options, active, second),
            loading(html.Div(id=ids.COMPARE_BODY)),
            graph(ids.COMPARE_DIFF, name),
            shadow_panel(),
            dcc.Store(id=ids.COMPARE_URL_STATE),
        ]
    )


def _actions(options: list[dict[str, Any]], active: int, target: int) -> Component:
    """Make any version active (a later one is a promotion, an earlier one a rollback), after confirming.

    Only admins may; others see which version is active, and the controls stay hidden (the callbacks
    that fill them still find them).
    """
    admin = may(Role.ADMIN)
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(f"Active version: v{active}", id=ids.COMPARE_ACTIVE, className="fw-semibold mb-2"),
                dbc.Row(
                    [
                        dbc.Col(labelled_dropdown(ids.COMPARE_TARGET, "Make active", options, target), md=3),
                        dbc.Col(
                            dbc.Button("Promote / roll back…", id=ids.COMPARE_PROMOTE, color="warning"),
                            md=3,
                            className="d-flex align-items-end",
                        ),
                    ],
                    id=ids.COMPARE_ACTIONS,
                    className="g-3",
                    style=None if admin else {"display": "none"},
                ),
                html.Div(
                    "An admin can make another version active here.",
                    id=ids.COMPARE_ACTIONS_NOTE,
                    className="small text-muted",
                    hidden=admin,
                ),
                html.Div(id=ids.COMPARE_STATUS, className="mt-2"),
                dbc.Modal(
                    [
                        dbc.ModalHeader(dbc.ModalTitle("Change the active version?")),
                        dbc.ModalBody(id=ids.COMPARE_CONFIRM_TEXT),
                        dbc.ModalFooter(
                            [
                                dbc.Button("Cancel", id=ids.COMPARE_CONFIRM_NO, color="secondary"),
                                dbc.Button("Confirm", id=ids.COMPARE_CONFIRM_YES, color="danger"),
                            ]
                        ),
                    ],
                    id=ids.COMPARE_CONFIRM,
                    is_open=False,
                ),
            ]
        ),
        className="mb-3",
    )


def body(report: dict[str, Any]) -> Component:
    """Metrics side by side, the prediction-difference summary, segments and the most changed records."""
    a, b = report["a"], report["b"]
    metrics_a, metrics_b = report["metrics"]["a"], report["metrics"]["b"]
    metric_rows = [
        [
            METRIC_LABELS.get(k, k),
            metrics_a.get(k),
            metrics_b.get(k),
            _delta(metrics_a.get(k), metrics_b.get(k)),
        ]
        for k in sorted(set(metrics_a) | set(metrics_b))
    ]
    diff = report["differences"]
    cards = [
        dbc.Col(kpi_card("Rows compared", f"{report['rows']:,}", report.get("rows_from", "")), md=3),
        dbc.Col(kpi_card("Mean |difference|", f"{diff['mean_abs']:.4g}", diff["score"]), md=3),
    ]
    if diff["changed_class_share"] is not None:
        cards.append(dbc.Col(kpi_card("Predicted class changed", f"{diff['changed_class_share']:.1%}"), md=3))
    segment_label = "accuracy" if report["task"] == "classification" else "MAE"
    segments = sorted(report["segments"], key=lambda s: abs(s["b"] - s["a"]), reverse=True)[:SHOWN_SEGMENTS]
    segment_rows = [
        [s["feature"], s["segment"], s["rows"], s["a"], s["b"], s["b"] - s["a"]] for s in segments
    ]
    top_rows = [
        [_record_label(t), t["actual"], t["a"], t["b"], t["a_score"], t["b_score"], t["difference"]]
        for t in diff["top"]
    ]
    return html.Div(
        [
            dbc.Row(cards, className="g-2 mb-3"),
            html.H4("Metrics"),
            table(["Metric", f"v{a}", f"v{b}", "B - A"], metric_rows, table_id="compare-metrics"),
            html.H4(f"Per segment ({segment_label}, largest changes first)"),
            table(
                ["Feature", "Segment", "Rows", f"v{a}", f"v{b}", "B - A"],
                segment_rows,
                table_id="compare-segments",
            ),
            html.H4("Most changed records"),
            table(
                [
                    "Record",
                    "Actual",
                    f"v{a} predicts",
                    f"v{b} predicts",
                    f"v{a} score",
                    f"v{b} score",
                    "Difference",
                ],
                top_rows,
                table_id="compare-top",
            ),
        ]
    )


def _record_label(top: dict[str, Any]) -> Any:
    """The record's id when it has one; logged rows without an id (NaN in the frame) show their row."""
    record = top.get("record")
    return record if isinstance(record, str) and record else top["row"]


def _delta(first: Any, second: Any) -> Any:
    if isinstance(first, float) and isinstance(second, float):
        return second - first
    return None


def difference_figure(report: dict[str, Any]) -> go.Figure:
    """The distribution of B - A over the compared rows."""
    histogram = report["differences"]["histogram"]
    edges = histogram["edges"]
    centres = [(edges[i] + edges[i + 1]) / 2 for i in range(len(edges) - 1)]
    figure = go.Figure(go.Bar(x=centres, y=histogram["counts"], name="rows"))
    figure.update_layout(
        template=figures.TEMPLATE,
        title={
            "text": f"Difference v{report['b']} - v{report['a']} of the {report['differences']['score']}",
            "x": 0.01,
        },
        height=360,
        xaxis_title="difference",
        yaxis_title="rows",
        bargap=0.05,
    )
    return figure
