"""Home's card per model: each health item as a link to the page that explains it, and a sparkline."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from portal.home.fleet import SPARKLINE_DAYS, Item, ModelHealth

ITEM_ORDER = (
    "version",
    "predictions",
    "drift",
    "performance",
    "estimated",
    "alerts",
    "batch",
    "challenger",
)


def sparkline(name: str, daily: pd.Series) -> Component:
    """Predictions per day as a bare line: the shape matters here, the numbers are on Feedback."""
    figure = go.Figure(
        go.Scatter(
            x=daily.index,
            y=daily.to_numpy(),
            mode="lines",
            line={"width": 2},
            fill="tozeroy",
            hovertemplate="%{x|%b %d}: %{y:,} predictions<extra></extra>",
        )
    )
    figure.update_layout(
        height=48,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        xaxis={"visible": False},
        yaxis={"visible": False, "rangemode": "tozero"},
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    graph = dcc.Graph(
        id={"type": "home-sparkline", "model": name},
        figure=figure,
        config={"displayModeBar": False},
    )
    # The chart repeats the item below it; screen readers get the numbers from that item.
    return html.Div(graph, className="portal-sparkline", **{"aria-hidden": "true"})


def item_row(key: str, item: Item) -> Component:
    """A health item: its headline links to the explaining page; a warning mark when it needs a look."""
    mark = html.Span("● ", className="text-danger", title="needs attention") if item.attention else None
    return html.Li(
        [
            mark,
            html.A(item.headline, href=item.link, className="fw-semibold link-body-emphasis"),
            html.Span(f" {item.detail}", className="small text-muted") if item.detail else None,
        ],
        className=f"portal-fleet-item portal-fleet-{key}",
        **{"data-attention": "true" if item.attention else "false"},
    )


def model_card(health: ModelHealth) -> Component:
    """The model's name and version above its items; the border says whether anything needs a look."""
    title = health.name if health.version is None else f"{health.name} v{health.version}"
    items = [item_row(key, health.items[key]) for key in ITEM_ORDER if key in health.items]
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H5(title, className="mb-0 d-inline"),
                    html.Span(f"  {health.task}", className="small text-muted") if health.task else None,
                ]
            ),
            dbc.CardBody(
                [
                    html.Div(
                        f"Predictions per day, last {SPARKLINE_DAYS} days", className="small text-muted"
                    ),
                    sparkline(health.name, health.daily),
                    html.Ul(items, className="list-unstyled mb-0 mt-2"),
                ]
            ),
        ],
        className="h-100 portal-fleet-card" + (" border-danger" if health.needs_attention else ""),
        id={"type": "home-model", "model": health.name},
    )
