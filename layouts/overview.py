"""Overview of a model's scored population: KPIs, distributions, and a server-paged record grid."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import (
    download_link,
    empty_state,
    graph,
    kpi_card,
    labelled_dropdown,
    loading,
    page_header,
    server_side_grid,
)
from layouts.model_picker import choice_or_message, picker, segment_options
from models import figures, population
from models.registry import ModelVersion
from portal import ids
from portal.security.layout_guard import may_request
from portal.services import Services

EXPORT_PATH = "/export/overview.csv"
# ISO timestamps from the server, shown as dates.
DATE_FORMAT = {"function": "params.value ? String(params.value).slice(0, 10) : ''"}


def export_href(
    model: str | None, version: int | None = None, filter_model: Any = None, sort_model: Any = None
) -> str:
    """The CSV export link for a model (and pinned version) and the grid's current filter and sort."""
    query: dict[str, str] = {"model": model or ""}
    if version:
        query["version"] = str(version)
    if filter_model:
        query["filter"] = json.dumps(filter_model, separators=(",", ":"))
    if sort_model:
        query["sort"] = json.dumps(sort_model, separators=(",", ":"))
    return f"{EXPORT_PATH}?{urlencode(query)}"


def layout(
    services: Services,
    model: str | None = None,
    version: Any = None,
    segment: str | None = None,
    **_query: Any,
) -> Component:
    """Controls seeded from the query string; callbacks fill the KPIs, charts and grid."""
    header = page_header(
        "Overview", "Every scored record of a model: how predictions are distributed, by segment and month."
    )
    choice, message = choice_or_message(services.registry, header, model, version, "shown")
    if choice is None:
        return message
    name, record = choice.name, choice.record
    segments = segment_options(record)
    chosen = segment if segment in segments else (segments[0] if segments else None)
    controls = dbc.Row(
        [
            *picker(ids.OVERVIEW_MODEL, ids.OVERVIEW_VERSION, choice),
            dbc.Col(labelled_dropdown(ids.OVERVIEW_SEGMENT, "Segment by", segments, chosen), md=3),
        ],
        className="g-3 mb-3",
    )
    grid = server_side_grid(ids.OVERVIEW_GRID, column_defs(record))
    return html.Div(
        [
            header,
            html.Div(id=ids.OVERVIEW_ALERTS),
            controls,
            loading(html.Div(id=ids.OVERVIEW_KPIS, className="mb-3")),
            dbc.Row(
                [
                    dbc.Col(graph(ids.OVERVIEW_DISTRIBUTION, name), md=6),
                    dbc.Col(graph(ids.OVERVIEW_BY_SEGMENT, name), md=6),
                ]
            ),
            graph(ids.OVERVIEW_OVER_TIME, name),
            html.Div(
                [
                    html.H5("Scored records", className="mb-0 me-auto"),
                    html.Span(id=ids.OVERVIEW_DOWNLOAD, className="small text-muted me-3"),
                    download_link(
                        "Download CSV of the filtered rows",
                        ids.OVERVIEW_EXPORT,
                        export_href(name, choice.pinned),
                        allowed=may_request("exports.overview_csv"),
                    ),
                ],
                className="d-flex align-items-center mb-2",
            ),
            html.P(
                "Sort and filter from the column headers; rows are fetched, filtered and sorted on the "
                "server a page at a time.",
                className="small text-muted",
            ),
            grid,
            dcc.Store(id=ids.OVERVIEW_URL_STATE),
            dcc.Store(id=ids.OVERVIEW_GRID_RESET),
        ]
    )


def column_defs(record: ModelVersion) -> list[dict[str, Any]]:
    """Grid columns for a version's scored frame: id, time, predictions, then the features."""
    prediction, probability = population.output_columns(record)
    id_column = record.metadata.get("id_column")
    time_column = record.metadata.get("time_column")
    kinds = {spec.name: spec.kind for spec in record.schema}
    columns: list[dict[str, Any]] = []
    if id_column:
        columns.append({"field": id_column, "filter": "agTextColumnFilter", "pinned": "left"})
    if time_column:
        columns.append({"field": time_column, "filter": "agDateColumnFilter", "valueFormatter": DATE_FORMAT})
    number = {"filter": "agNumberColumnFilter", "type": "numericColumn"}
    if probability:
        columns.append({"field": prediction, "filter": "agTextColumnFilter"})
        columns.append(
            {"field": probability, **number, "valueFormatter": {"function": "d3.format('.4f')(params.value)"}}
        )
    else:
        columns.append(
            {"field": prediction, **number, "valueFormatter": {"function": "d3.format(',.2f')(params.value)"}}
        )
    for name in record.feature_names:
        if name in (id_column, time_column):
            continue
        kind = kinds.get(name)
        if kind == "numeric":
            columns.append({"field": name, **number})
        elif kind == "datetime":
            columns.append({"field": name, "filter": "agDateColumnFilter", "valueFormatter": DATE_FORMAT})
        else:
            columns.append({"field": name, "filter": "agTextColumnFilter"})
    text_options = {"filterOptions": ["contains", "equals"], "maxNumConditions": 1}
    number_options = {
        "filterOptions": ["equals", "greaterThan", "lessThan", "inRange"],
        "maxNumConditions": 1,
    }
    date_options = {"filterOptions": ["equals", "greaterThan", "lessThan", "inRange"], "maxNumConditions": 1}
    for column in columns:
        column["headerName"] = column["field"]
        params = {
            "agTextColumnFilter": text_options,
            "agNumberColumnFilter": number_options,
            "agDateColumnFilter": date_options,
        }[column["filter"]]
        column["filterParams"] = {**params, "buttons": ["apply", "reset"], "closeOnApply": True}
    return columns


# -- KPI cards ---------------------------------------------------------------------------------


def value_label(scored: population.ScoredPopulation) -> str:
    if scored.probability:
        return f"Predicted rate ({scored.probability})"
    return f"Mean {scored.prediction}"


def _format(scored: population.ScoredPopulation, value: float) -> str:
    return f"{value:.1%}" if scored.probability else f"{value:,.2f}"


def kpis(scored: population.ScoredPopulation, head: population.Headline | None = None) -> Component:
    """Rows, the mean predicted value, and its change in the latest month."""
    if not scored.rows:
        return empty_state(
            "The scored population is empty.", "Register a population or reference data with rows."
        )
    head = head or population.headline(scored)
    if head.change is None:
        change_value, change_note = "no monthly data", "the data has no time column with two months"
    elif scored.probability:
        change_value = f"{head.change * 100:+.2f} pp"
        change_note = f"{head.latest_month} against {head.previous_month}"
    else:
        change_value = f"{head.change:+,.2f}"
        change_note = f"{head.latest_month} against {head.previous_month}"
    cards = [
        kpi_card(
            "Scored population", f"{head.rows:,}", f"{scored.name} v{scored.version}", "overview-kpi-rows"
        ),
        kpi_card(
            value_label(scored),
            _format(scored, head.mean) if head.mean is not None else "n/a",
            "mean positive-class probability" if scored.probability else "mean prediction",
            "overview-kpi-mean",
        ),
        kpi_card("Change in the latest month", change_value, change_note, "overview-kpi-change"),
    ]
    return dbc.Row([dbc.Col(card, md=4, className="mb-2") for card in cards], className="g-2")


# -- figures (pure: data in, figure out) ---------------------------------------------------------


def distribution_figure(table: pd.DataFrame, label: str) -> go.Figure:
    """Histogram bars from server-side bin counts."""
    figure = figures.base_figure(f"Distribution of {label}", label, "Rows")
    if len(table):
        left, right = table["left"].to_numpy(), table["right"].to_numpy()
        figure.add_trace(
            go.Bar(
                x=(left + right) / 2,
                y=table["count"],
                width=right - left,
                name="rows",
                customdata=np.stack([left, right], axis=1),
                hovertemplate="%{customdata[0]:.3g} to %{customdata[1]:.3g}<br>%{y:,} rows<extra></extra>",
            )
        )
    return figure


def segment_figure(table: pd.DataFrame, feature: str, label: str) -> go.Figure:
    """Mean predicted value per category, with row counts on hover."""
    figure = figures.base_figure(f"{label} by {feature}", feature, label)
    figure.add_trace(
        go.Bar(
            x=table["segment"].astype(str),
            y=table["mean"],
            customdata=table["rows"],
            hovertemplate="%{x}<br>%{y:.4g}<br>%{customdata:,} rows<extra></extra>",
        )
    )
    return figure


def monthly_figure(table: pd.DataFrame, label: str) -> go.Figure:
    """Mean predicted value per month."""
    figure = figures.base_figure(f"{label} by month", "Month", label)
    figure.add_trace(
        go.Scatter(
            x=table["month"],
            y=table["mean"],
            mode="lines+markers",
            customdata=table["rows"],
            hovertemplate="%{x}<br>%{y:.4g}<br>%{customdata:,} rows<extra></extra>",
        )
    )
    figure.update_xaxes(type="category")
    return figure

