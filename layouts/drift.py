"""Drift monitoring: the active version's reference data against a window of logged predictions."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from layouts import alert_rule_dialog, drift_quality
from layouts.components import download_link, graph, kpi_card, labelled_dropdown, loading, page_header
from layouts.model_picker import choice_or_message, picker
from models import figures, monitoring
from models.drift import DatasetDrift
from portal import ids
from portal.monitoring import drift as drift_service
from portal.security.layout_guard import may_request
from portal.services import Services

TEST_NAMES = {
    "wasserstein": "Wasserstein (normed)",
    "jensenshannon": "Jensen-Shannon",
    "ks": "Kolmogorov-Smirnov p",
    "chisquare": "chi-square p",
    "z": "Z-test p",
    "none": "no data",
}


def layout(
    services: Services,
    model: str | None = None,
    version: Any = None,
    window: str | None = None,
    feature: str | None = None,
    **_query: Any,
) -> Component:
    """Model, window and feature pickers; callbacks fill the verdict, feature table and charts."""
    header = page_header(
        "Drift",
        "Do recent inputs still look like the data the model was checked on? Reference data against "
        "logged predictions, feature by feature.",
    )
    choice, message = choice_or_message(services.registry, header, model, version, "shown")
    if choice is None:
        return message
    windows = drift_service.window_options(services, choice.name)
    if window in {o["value"] for o in windows}:
        chosen_window, window_note = window, ""
    else:
        opened = drift_service.choose_window(services, choice.name, windows)
        chosen_window, window_note = opened.value, opened.note
    features = choice.record.feature_names
    chosen_feature = feature if feature in features else None
    controls = dbc.Row(
        [
            *picker(ids.DRIFT_MODEL, ids.DRIFT_VERSION, choice),
            dbc.Col(labelled_dropdown(ids.DRIFT_WINDOW, "Logged predictions", windows, chosen_window), md=3),
            dbc.Col(
                labelled_dropdown(
                    ids.DRIFT_FEATURE, "Feature", features, chosen_feature, placeholder="most drifted"
                ),
                md=3,
            ),
        ],
        className="g-3 mb-2",
    )
    note = html.P(window_note, id=ids.DRIFT_WINDOW_NOTE, className="small text-muted mb-3")
    grid = dag.AgGrid(
        id=ids.DRIFT_TABLE,
        columnDefs=COLUMNS,
        rowData=[],
        getRowId="params.data.feature",
        # Columns share the width (at least their minWidth), so all of them, the sparkline included,
        # fit a 1280-pixel screen or report instead of scrolling off to the right.
        defaultColDef={"resizable": True, "sortable": True, "flex": 1},
        dashGridOptions={"domLayout": "autoHeight", "rowSelection": {"mode": "singleRow"}},
        className="ag-theme-alpine mb-3",
    )
    return html.Div(
        [
            header,
            controls,
            note,
            loading(html.Div(id=ids.DRIFT_KPIS, className="mb-3")),
            alert_rule_dialog.panel(choice.name),
            html.Div(
                [
                    html.H5("Features, most drifted first", className="mb-0 me-auto"),
                    download_link(
                        "CSV",
                        ids.DRIFT_EXPORT,
                        export_href(choice.name, choice.pinned, chosen_window),
                        allowed=may_request("exports.drift_csv"),
                    ),
                ],
                className="d-flex align-items-center mb-1",
            ),
            html.P(
                "The sparkline is the statistic per day or week of the window; click a row to compare "
                "its distributions below.",
                className="small text-muted",
            ),
            grid,
            dbc.Row(
                [
                    dbc.Col(graph(ids.DRIFT_OVERLAY, choice.name), md=6),
                    dbc.Col(graph(ids.DRIFT_PREDICTIONS, choice.name), md=6),
                ]
            ),
            drift_quality.section(),
            dcc.Store(id=ids.DRIFT_URL_STATE),
        ]
    )


def export_href(model: str, version: int | None, window: str) -> str:
    """The CSV of the feature table for this model, pinned version and window."""
    query = {"model": model, "window": window, **({"version": str(version)} if version else {})}
    return f"/export/drift.csv?{urlencode(query)}"


def _number(digits: str) -> dict[str, str]:
    return {"function": f"params.value == null ? '' : d3.format('{digits}')(params.value)"}


COLUMNS: list[dict[str, Any]] = [
    {"field": "feature", "pinned": "left", "minWidth": 170},
    {
        "field": "status",
        "headerName": "Verdict",
        "minWidth": 100,
        "cellClass": {"function": "'portal-drift-' + params.data.status_class"},
    },
    {"field": "test", "headerName": "Test", "minWidth": 170},
    {
        "field": "statistic",
        "headerName": "Statistic",
        "minWidth": 100,
        "type": "numericColumn",
        "valueFormatter": _number(".4g"),
    },
    {
        "field": "threshold",
        "headerName": "Threshold",
        "minWidth": 100,
        "type": "numericColumn",
        "valueFormatter": _number(".3g"),
    },
    {
        "field": "adjusted_p",
        "headerName": "BH adjusted p",
        "minWidth": 125,
        "type": "numericColumn",
        "valueFormatter": _number(".4g"),
    },
    {
        "field": "psi",
        "headerName": "PSI",
        "minWidth": 80,
        "type": "numericColumn",
        "valueFormatter": _number(".3f"),
    },
    {
        "field": "history",
        "headerName": "Over time",
        "minWidth": 130,
        "cellRenderer": "DriftSparkline",
        "sortable": False,
    },
    {
        "field": "current_rows",
        "headerName": "Rows",
        "minWidth": 90,
        "type": "numericColumn",
        "valueFormatter": _number(","),
    },
]


def table_rows(view: drift_service.DriftView) -> list[dict[str, Any]]:
    """Grid rows: one per feature with its verdict and sparkline values."""
    rows = []
    for item in view.result.features:
        rows.append(
            {
                "feature": item.feature,
                "status": item.status,
                "status_class": item.status.replace(" ", "-"),
                "test": TEST_NAMES.get(item.test, item.test),
                "statistic": _finite(item.statistic),
                "threshold": _finite(item.threshold),
                "adjusted_p": _finite(item.adjusted_p),
                "psi": _finite(item.psi),
                "history": {
                    "values": monitoring.sparkline_values(view.history, item.feature),
                    "threshold": _finite(item.threshold),
                    "pvalue": item.test in ("ks", "chisquare", "z"),
                },
                "current_rows": item.current_rows,
            }
        )
    return rows


def _finite(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def kpis(view: drift_service.DriftView, result: DatasetDrift) -> Component:
    """The dataset verdict with the rows compared on both sides, the drifted features, the sizes."""
    verdict = result.verdict
    if result.enough:
        share = f"{result.drifted_share:.0%} of features drifted"
        caption = f"{share}; drifts at {result.thresholds.drift_share:.0%}. {result.sizes}"
        features_value = f"{len(result.drifted_features)} of {len(result.decided_features)}"
        features_note = ", ".join(result.drifted_features[:4]) or "none"
    else:
        caption = f"Drift is judged on {result.thresholds.min_rows:,} rows or more. {result.sizes}"
        features_value = "Not judged"
        features_note = f"{len(result.features)} features; too few rows to test"
    cards = [
        kpi_card("Dataset", verdict, caption, "drift-kpi-verdict"),
        kpi_card("Drifted features", features_value, features_note, "drift-kpi-features"),
        kpi_card(
            "Rows compared",
            f"{view.tested_rows:,}",
            _rows_note(view),
            "drift-kpi-rows",
        ),
    ]
    color = {"drifted": "danger", "stable": "success"}.get(result.status, "secondary")
    return html.Div(
        [
            dbc.Row([dbc.Col(card, md=4, className="mb-2") for card in cards], className="g-2"),
            dbc.Badge(verdict, color=color, className="portal-drift-verdict"),
        ]
    )


def _rows_note(view: drift_service.DriftView) -> str:
    against = f"against {view.reference_rows:,} reference rows"
    if view.tested_rows < view.window_rows:
        return f"a uniform random sample of the window's {view.window_rows:,}, {against}"
    return against


def overlay_figure(table: pd.DataFrame, feature: str, numeric: bool) -> go.Figure:
    """Reference and current shares per bin or category, side by side."""
    figure = figures.base_figure(f"{feature}: reference against current", feature, "Share of rows")
    x = table["label"].astype(str)
    figure.add_trace(go.Bar(x=x, y=table["reference"], name="reference", opacity=0.75))
    figure.add_trace(go.Bar(x=x, y=table["current"], name="current", opacity=0.75))
    figure.update_layout(barmode="group" if not numeric else "overlay", yaxis_tickformat=".0%")
    if numeric:
        figure.update_xaxes(showticklabels=False, title=f"{feature} (bins, low to high)")
    return figure


def predictions_figure(spread: pd.DataFrame, baseline: dict[str, float], label: str) -> go.Figure:
    """The outputs' median and 10-90% and 25-75% bands per bucket, with the reference median."""
    figure = figures.base_figure(f"Prediction drift: {label} over time", "Period", label)
    x = spread["bucket"].astype(str)
    for low, high, name, alpha in (("q10", "q90", "10-90%", 0.15), ("q25", "q75", "25-75%", 0.3)):
        figure.add_trace(go.Scatter(x=x, y=spread[high], mode="lines", line={"width": 0}, showlegend=False))
        figure.add_trace(
            go.Scatter(
                x=x,
                y=spread[low],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=f"rgba(31, 119, 180, {alpha})",
                name=name,
            )
        )
    figure.add_trace(go.Scatter(x=x, y=spread["q50"], mode="lines+markers", name="median"))
    if "q50" in baseline:
        figure.add_hline(y=baseline["q50"], line_dash="dot", annotation_text="reference median")
    figure.update_xaxes(type="category")
    return figure
