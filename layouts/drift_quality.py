"""The Drift page's Data quality section: per feature, missing, out-of-range and unseen shares by day.

Each feature's row carries its window totals and a sparkline per day; a table of refused API
requests by reason follows. The numbers come from ``portal.monitoring.quality``.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, loading
from models import figures
from models.data_quality import FeatureCounts
from portal import ids
from portal.monitoring.quality import DAY_MIN_ROWS, QualityView

# Line per measure: (FeatureCounts attribute, legend name, colour).
MEASURES = (
    ("missing", "missing", "#6c757d"),
    ("out_of_range", "outside range", "#d62728"),
    ("unseen", "unseen", "#ff7f0e"),
)
SPARK_CONFIG = {"staticPlot": True, "displayModeBar": False}


def section() -> Component:
    """The heading and the container the callback fills for the chosen model and window."""
    return html.Section(
        [
            html.H5("Data quality", className="mt-4 mb-0"),
            html.P(
                "What the model received, day by day (UTC): values missing, numbers outside the range "
                "seen in the reference data (dates before it, or later than the day they were logged), "
                "categories it never saw, and requests the REST API refused.",
                className="small text-muted",
            ),
            loading(html.Div(id=ids.DRIFT_QUALITY, className="mb-4")),
        ],
        className="portal-quality",
    )


def _share(counts: FeatureCounts, count: int) -> str:
    share = counts.share(count)
    if share is None:
        return "-"
    return f"{share:.1%} ({count:,})"


def sparkline(view: QualityView, feature: str) -> go.Figure:
    """The three shares per day as small lines; days below DAY_MIN_ROWS rows are drawn hollow."""
    days = [day.day for day in view.days]
    figure = go.Figure()
    for attribute, name, colour in MEASURES:
        shares = []
        for day in view.days:
            counts = day.features.get(feature, FeatureCounts())
            shares.append(counts.share(getattr(counts, attribute)))
        symbols = ["circle" if day.enough else "circle-open" for day in view.days]
        figure.add_trace(
            go.Scatter(
                x=days,
                y=shares,
                name=name,
                mode="lines+markers",
                line={"width": 1.5, "color": colour},
                marker={"size": 3, "symbol": symbols},
                connectgaps=False,
            )
        )
    figure.update_layout(
        template=figures.TEMPLATE,
        height=48,
        width=200,
        margin={"l": 2, "r": 2, "t": 2, "b": 2},
        showlegend=False,
        # Every day of the window keeps its place; a day without rows is a gap, not a zero.
        xaxis={"visible": False, "type": "category", "categoryorder": "array", "categoryarray": days},
        yaxis={"visible": False, "range": [-0.02, 1.02]},
    )
    return figure


def feature_table(view: QualityView) -> Component:
    """One row per checked feature: totals over the window, unseen examples and the sparkline."""
    header = html.Thead(
        html.Tr(
            [
                html.Th(name)
                for name in ("Feature", "Kind", "Missing", "Outside range", "Unseen", "Examples", "By day")
            ]
        )
    )
    rows = []
    for feature, kind in view.kinds.items():
        counts = view.totals.get(feature, FeatureCounts())
        examples = ", ".join(f"{value} ({count:,})" for value, count in counts.unseen_values[:3])
        rows.append(
            html.Tr(
                [
                    html.Td(feature, className="fw-semibold"),
                    html.Td(kind),
                    html.Td(_share(counts, counts.missing), className="portal-quality-missing"),
                    html.Td(_share(counts, counts.out_of_range), className="portal-quality-range"),
                    html.Td(_share(counts, counts.unseen), className="portal-quality-unseen"),
                    html.Td(examples, className="small"),
                    html.Td(
                        dcc.Graph(
                            figure=sparkline(view, feature),
                            config=SPARK_CONFIG,
                            className="portal-quality-spark",
                            style={"height": "48px", "width": "200px"},
                        )
                    ),
                ],
                **{"data-feature": feature},
            )
        )
    return dbc.Table([header, html.Tbody(rows)], size="sm", hover=True, className="portal-quality-table")


def refusal_table(view: QualityView) -> Component:
    """Refused predict requests by reason over the window."""
    if not view.refused:
        return html.P("The REST API refused no predict request in this window.", className="small")
    ranked = sorted(view.refused.items(), key=lambda item: (-item[1][0], item[0]))
    body = [
        html.Tr([html.Td(reason), html.Td(f"{requests:,}"), html.Td(f"{rows:,}")], **{"data-reason": reason})
        for reason, (requests, rows) in ranked
    ]
    header = html.Thead(html.Tr([html.Th("Reason"), html.Th("Requests"), html.Th("Records with it")]))
    return dbc.Table([header, html.Tbody(body)], size="sm", className="portal-quality-refusals")


def content(view: QualityView, window_label: str) -> Component:
    """The section's body: the status line, the feature table, then the refusals."""
    status = view.status_text + f" ({window_label})."
    if view.enough:
        caption = f"Days with fewer than {DAY_MIN_ROWS} rows are drawn hollow: their shares swing."
    else:
        caption = "Shares are shown, but too few rows to judge; alert rules wait for more."
    caption += " By day: grey missing, red outside the range, orange unseen, from 0 to 100%."
    children: list[Any] = [
        html.P(
            [html.Span(status, className="fw-semibold portal-quality-status"), " ", caption],
            className="small",
        )
    ]
    if view.rows:
        children.append(feature_table(view))
    else:
        children.append(empty_state("No logged predictions in these days."))
    children += [html.H6("Refused API requests", className="mt-3"), refusal_table(view)]
    return html.Div(children)
