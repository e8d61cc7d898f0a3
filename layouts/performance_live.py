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
        ],
        id=ids.PERF_LIVE_BODY,
        style={} if source == LIVE else {"display": "none"},
    )


def coverage_text(logged: int, with_feedback: int, with_outcome: int) -> Component:
    """How much of the log has feedback: the metrics are only as good as this share."""
    share = with_feedback / logged if logged else 0.0
    return dbc.Alert(
        [
            html.Strong(f"Label coverage {share:.1%}: "),
            html.Span(
                f"{with_feedback:,} of {logged:,} logged predictions have feedback; "
                f"{with_outcome:,} with a known outcome feed the charts below."
            ),
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
