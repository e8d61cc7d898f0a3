"""Widgets shared by pages: headers, KPI cards, graph cards, empty states, tables and server-side grids.

Pages import these, never each other, so a page can change without breaking another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from models import figures
from portal.reports.fields import WEBHOOK_STYLES

METRIC_LABELS = {
    "accuracy": "Accuracy",
    "roc_auc": "ROC AUC",
    "average_precision": "Average precision",
    "f1": "F1",
    "log_loss": "Log loss",
    "brier": "Brier score",
    "f1_macro": "Macro F1",
    "rmse": "RMSE",
    "mae": "MAE",
    "r2": "R²",
}
# Rows the browser asks for at a time in an infinite grid; the server answers one block per request.
GRID_BLOCK_ROWS = 100


def page_header(title: str, subtitle: str = "") -> Component:
    """A page title with a one-line explanation of what the page is for."""
    children: list[Component] = [html.H2(title, className="mb-1")]
    if subtitle:
        children.append(html.P(subtitle, className="text-muted mb-3"))
    return html.Div(children, className="portal-page-header")


def kpi_card(label: str, value: str, note: str = "", card_id: str | None = None) -> Component:
    """A labelled headline number."""
    body = [html.Div(label, className="text-muted small"), html.Div(value, className="fs-4 fw-semibold")]
    if note:
        body.append(html.Div(note, className="small text-muted"))
    kwargs = {"id": card_id} if card_id else {}
    return dbc.Card(dbc.CardBody(body), className="h-100 portal-kpi", **kwargs)


def empty_state(message: str, hint: str = "") -> Component:
    """Say why there is nothing to show, and what would change that."""
    children: list[Component] = [html.Div(message, className="fw-semibold")]
    if hint:
        children.append(html.Div(hint, className="small"))
    return dbc.Alert(children, color="secondary", className="portal-empty")


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], table_id: str | None = None) -> Component:
    """A small read-only table; values render as text, never as HTML."""
    head = html.Thead(html.Tr([html.Th(c) for c in columns]))
    body = html.Tbody([html.Tr([html.Td(_cell(v)) for v in row]) for row in rows])
    kwargs = {"id": table_id} if table_id else {}
    return dbc.Table([head, body], bordered=False, hover=True, size="sm", responsive=True, **kwargs)


def _cell(value: Any) -> Any:
    if isinstance(value, Component):
        return value
    if isinstance(value, float):
        return f"{value:,.4g}"
    return "" if value is None else str(value)


def labelled_dropdown(
    component_id: str,
    label: str,
    options: Sequence[Any],
    value: Any,
    clearable: bool = False,
    placeholder: str | None = None,
    multi: bool = False,
) -> Component:
    """A dropdown with a label tied to it, so screen readers and tests can find it by name."""
    extra: dict[str, Any] = {"placeholder": placeholder} if placeholder else {}
    if multi:
        extra["multi"] = True
    return html.Div(
        [
            dbc.Label(label, html_for=component_id),
            dcc.Dropdown(id=component_id, options=list(options), value=value, clearable=clearable, **extra),
        ]
    )


def labelled_field(label: str, control: Component, hint: str = "") -> Component:
    """A dialog's field: the label tied to its control by id, and an optional hint below."""
    children = [dbc.Label(label, html_for=getattr(control, "id", None)), control]
    if hint:
        children.append(dbc.FormText(hint))
    return html.Div(children, className="mb-2")


def delivery_fields(email_id: str, webhook_id: str, style_id: str) -> list[Component]:
    """Where a report or an alert goes: email addresses, and a webhook URL with its kind (JSON, Slack...)."""
    styles = [
        {"label": "JSON" if style == "json" else style.title(), "value": style} for style in WEBHOOK_STYLES
    ]
    webhook = dbc.Input(id=webhook_id, placeholder="https://hooks.slack.com/services/...")
    return [
        labelled_field("Email to", dbc.Input(id=email_id, placeholder="you@example.com, team@example.com")),
        dbc.Row(
            [
                dbc.Col(labelled_field("Webhook, Slack or Teams URL", webhook), md=9),
                dbc.Col(labelled_field("Kind", dbc.Select(id=style_id, options=styles, value="json")), md=3),
            ],
            className="g-2",
        ),
    ]


def loading(children: Any, loading_id: str | None = None) -> Component:
    """Wrap content that a callback fills, so a spinner shows while it runs."""
    kwargs = {"id": loading_id} if loading_id else {}
    return dcc.Loading(children, type="default", delay_show=150, **kwargs)


def download_link(label: str, link_id: str, href: str, allowed: bool = True) -> Component:
    """A download button; hidden (kept for the callbacks that update it) when the requester may not use it."""
    return html.A(
        [html.I(className="bi bi-download me-1"), label],
        id=link_id,
        href=href,
        download="",
        hidden=not allowed,
        className="btn btn-outline-primary btn-sm",
    )


def graph(graph_id: str, model: str) -> Component:
    """A graph card whose mode bar exports PNG named after the model and chart."""
    config = {
        "displaylogo": False,
        # Charts stay on the intranet: no upload-to-cloud button.
        "modeBarButtonsToRemove": ["sendChartToCloud", "sendDataToCloud"],
        "toImageButtonOptions": {"format": "png", "filename": f"{model}-{graph_id}", "scale": 2},
    }
    return dbc.Card(
        loading(dcc.Graph(id=graph_id, config=config, figure=go.Figure())), className="mb-3 portal-graph"
    )


def no_data(title: str, message: str) -> go.Figure:
    """An empty chart that says why it is empty."""
    figure = go.Figure()
    figure.update_layout(
        template=figures.TEMPLATE,
        title={"text": title, "x": 0.01},
        height=360,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "font": {"size": 14}}],
    )
    return figure


def server_side_grid(grid_id: str, column_defs: list[dict[str, Any]], **grid_options: Any) -> Component:
    """An ag-grid whose rows a callback serves a block at a time: big tables never reach the browser whole."""
    return dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=column_defs,
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 110},
        dashGridOptions={
            "cacheBlockSize": GRID_BLOCK_ROWS,
            "maxBlocksInCache": 10,
            "infiniteInitialRowCount": GRID_BLOCK_ROWS,
            "rowBuffer": 0,
            **grid_options,
        },
        style={"height": "420px"},
        className="ag-theme-alpine",
    )
