"""Reusable builders shared by pages: KPI cards, sections, empty states, simple tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component


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
) -> Component:
    """A dropdown with a label tied to it, so screen readers and tests can find it by name."""
    extra = {"placeholder": placeholder} if placeholder else {}
    return html.Div(
        [
            dbc.Label(label, html_for=component_id),
            dcc.Dropdown(id=component_id, options=list(options), value=value, clearable=clearable, **extra),
        ]
    )


def loading(children: Any, loading_id: str | None = None) -> Component:
    """Wrap content that a callback fills, so a spinner shows while it runs."""
    kwargs = {"id": loading_id} if loading_id else {}
    return dcc.Loading(children, type="default", delay_show=150, **kwargs)
