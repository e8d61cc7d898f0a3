"""The Performance page's live panel: metrics per day or week from feedback, and label coverage."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import html
from dash.development.base_component import Component
from plotly.subplots import make_subplots

from layouts import alert_rule_dialog
from layouts.components import graph
from models import figures
from models.live import LIVE, PERIODS
from portal import ids

LIVE_OPTION = {"label": "Live: logged predictions with feedback", "value": LIVE}
TREND_METRICS = ("accuracy", "roc_auc", "brier", "rmse", "mae")


def chosen_period(period: Any) -> str:
    return period if period in PERIODS else "day"


def body(name: str, source: str | None, period: Any) -> Component:
    """The period control, coverage line, trend chart and alert rules; hidden unless the source is live."""
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Live metrics per", html_for=ids.PERF_LIVE_PERIOD),
                            dbc.RadioItems(
                                id=ids.PERF_LIVE_PERIOD,
                                options=[{"label": p, "value": p} for p in PERIODS],
                                value=chosen_period(period),
                                inline=True,
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(html.Div(id=ids.PERF_LIVE_COVERAGE, className="portal-live-coverage"), md=9),
                ],
                className="g-3 mb-2",
            ),
            graph(ids.PERF_LIVE_TREND, name),
            alert_rule_dialog.panel(name),
            html.H5("Estimated performance (no labels needed)", className="mt-3"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Metric", html_for=ids.PERF_EST_METRIC),
                            dbc.RadioItems(id=ids.PERF_EST_METRIC, options=[], value=None, inline=True),
                        ],
                        md=5,
                    ),
                    dbc.Col(html.Div(id=ids.PERF_EST_NOTE, className="portal-est-note"), md=7),
                ],
                className="g-3 mb-2",
            ),
            graph(ids.PERF_EST_TREND, name),
        ],
        id=ids.PERF_LIVE_BODY,
        style={} if source == LIVE else {"display": "none"},
    )


def coverage_text(
    logged: int, with_feedback: int, with_outcome: int, sampled: int | None = None
) -> Component:
    """How much of the log has feedback: the metrics are only as good as this share."""
    share = with_feedback / logged if logged else 0.0
    fed = (
        f"{with_outcome:,} have a known outcome; the charts below use a uniform sample of {sampled:,} "
        f"of the {with_feedback:,} rows with feedback."
        if sampled is not None
        else f"{with_outcome:,} with a known outcome feed the charts below."
    )
    return dbc.Alert(
        [
            html.Strong(f"Label coverage {share:.1%}: "),
            html.Span(f"{with_feedback:,} of {logged:,} logged predictions have feedback; {fed}"),
        ],
        color="light" if with_feedback else "warning",
        className="mb-0",
    )


def trend_figure(table: pd.DataFrame, period: str) -> go.Figure:
    """Metrics per period as lines, coverage as bars on a second axis."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    if not table.empty:
        figure.add_bar(
            x=table["period"], y=table["coverage"], name="label coverage", opacity=0.3, secondary_y=True
        )
        for metric in TREND_METRICS:
            if metric in table and table[metric].notna().any():
                figure.add_scatter(
                    x=table["period"], y=table[metric], name=metric, mode="lines+markers", secondary_y=False
                )
    figure.update_layout(
        template=figures.TEMPLATE,
        title={"text": f"Live performance per {period}", "x": 0.01},
        height=380,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 50, "b": 40, "l": 50, "r": 50},
    )
    figure.update_yaxes(title_text="metric", secondary_y=False)
    figure.update_yaxes(title_text="coverage", range=[0, 1], tickformat=".0%", secondary_y=True)
    return figure


METRIC_LABELS = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "roc_auc": "ROC AUC",
    "mae": "MAE",
    "rmse": "RMSE",
}


def metric_options(metrics: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"label": METRIC_LABELS.get(m, m), "value": m} for m in metrics]


def estimated_note(
    table: pd.DataFrame, period: str, calibrated: bool | None, unavailable: str, min_rows: int
) -> Component:
    """What the estimate rests on: the latest period's rows and labels, and its assumption."""
    if unavailable:
        return dbc.Alert(f"No estimate: {unavailable}", color="warning", className="mb-0")
    if table.empty:
        return dbc.Alert("No predictions logged for this version yet.", color="light", className="mb-0")
    latest = table.iloc[-1]
    how = {True: "calibrated on the reference data", False: "the model's own probabilities"}
    basis = f" ({how[calibrated]})" if calibrated is not None else ""
    thin = int((table["rows"] < min_rows).sum())
    gaps = f" No estimate for {thin} {period}(s) with fewer than {min_rows:,} rows." if thin else ""
    return dbc.Alert(
        [
            html.Strong(f"This {period}: {int(latest['rows']):,} rows, {int(latest['labels']):,} labelled. "),
            html.Span(
                f"Dashed: estimated from the model's outputs{basis}, with a ±3 standard-error band; "
                "solid: realized where labels exist. The estimate assumes inputs relate to outcomes "
                "as in the reference data; under concept shift only labels show the change." + gaps
            ),
        ],
        color="light",
        className="mb-0",
    )


def estimated_figure(table: pd.DataFrame, metric: str, period: str) -> go.Figure:
    """Estimated metric per period (dashed, with its ±3 SE band) against realized (solid)."""
    label = METRIC_LABELS.get(metric, metric)
    figure = go.Figure()
    column = f"estimated_{metric}"
    if not table.empty and column in table:
        shown = table[table[column].notna()]
        notes = [
            f"{int(r):,} rows, {int(n):,} labelled"
            for r, n in zip(table["rows"], table["labels"], strict=True)
        ]
        x = list(shown["period"]) + list(shown["period"])[::-1]
        y = list(shown[f"upper_{metric}"]) + list(shown[f"lower_{metric}"])[::-1]
        figure.add_scatter(
            x=x,
            y=y,
            fill="toself",
            mode="lines",
            line={"width": 0},
            opacity=0.25,
            name="±3 SE",
            hoverinfo="skip",
        )
        figure.add_scatter(
            x=shown["period"],
            y=shown[column],
            mode="lines+markers",
            line={"dash": "dash"},
            name=f"estimated {label}",
            text=[notes[i] for i in shown.index],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.3f}<br>%{text}<extra>estimated</extra>",
        )
        realized = f"realized_{metric}"
        if realized in table and table[realized].notna().any():
            figure.add_scatter(
                x=table["period"],
                y=table[realized],
                mode="lines+markers",
                name=f"realized {label}",
                text=notes,
                hovertemplate="%{x|%Y-%m-%d}: %{y:.3f}<br>%{text}<extra>realized</extra>",
            )
    figure.update_layout(
        template=figures.TEMPLATE,
        title={"text": f"Estimated {label} per {period}", "x": 0.01},
        height=380,
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 50, "b": 40, "l": 50, "r": 30},
        yaxis_title=label,
    )
    return figure
