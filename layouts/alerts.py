"""Alerts: open and resolved alerts with their state, acknowledge and silence, and recurring mute windows."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import dcc, html
from dash.development.base_component import Component

from layouts.alert_rows import open_table, resolved_table
from layouts.components import empty_state, labelled_dropdown, page_header
from layouts.mute_windows import window_form, windows_table
from portal import ids
from portal.alerts import board, mute
from portal.alerts.manage import SILENCE_CHOICES
from portal.alerts.mute import COMMENT_LIMIT
from portal.security.layout_guard import may
from portal.security.principal import current_principal
from portal.security.roles import Role
from portal.services import Services

DURATION_LABELS = {"1h": "1 hour", "4h": "4 hours", "1d": "1 day", "1w": "1 week"}
OTHER = "other"
UNAVAILABLE = "Alerts are not available: the portal database cannot be read (run `portal db upgrade`)."


def permission() -> tuple[bool, str]:
    """Whether the requester may act on alerts, and the short reason shown when not."""
    if may(Role.ANALYST):
        return True, ""
    principal = current_principal()
    role = principal.role.label if principal is not None and principal.role is not None else "none"
    if principal is not None and principal.source == "embed":
        return False, "Embedded pages are read-only."
    return False, f"Acknowledging, silencing and mute windows need the analyst role; you are {role}."


def model_filter(services: Services, model: Any) -> tuple[list[dict[str, str]], str | None]:
    """The registered models to filter by, and the URL's model when it is one of them (else all)."""
    names = services.registry.names()
    return [{"label": name, "value": name} for name in names], model if model in names else None


def layout(services: Services, model: str | None = None, **_query: Any) -> Component:
    """The lists render on the server; the actions' callbacks redraw them after each change."""
    allowed, reason = permission()
    options, chosen = model_filter(services, model)
    return html.Div(
        [
            page_header(
                "Alerts",
                "What the alert rules raised: acknowledge an alert, silence its notices for a while, or "
                "mute notices at regular times. Every change is in the audit log.",
            ),
            html.Div(
                dbc.Alert(reason, color="secondary", className="py-2 small", id="alerts-readonly"),
                hidden=allowed,
            ),
            html.Div(id=ids.ALERTS_STATUS, className="mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        labelled_dropdown(
                            ids.ALERTS_MODEL,
                            "Model",
                            options,
                            chosen,
                            clearable=True,
                            placeholder="All models",
                        ),
                        md=3,
                    ),
                    dbc.Col(
                        dbc.Button(
                            [html.I(className="bi bi-arrow-clockwise me-1"), "Refresh"],
                            id=ids.ALERTS_REFRESH,
                            color="secondary",
                            outline=True,
                            className="portal-no-print",
                        ),
                        md=2,
                        className="d-flex align-items-end",
                    ),
                ],
                className="g-3 mb-2",
            ),
            dcc.Store(id=ids.ALERTS_URL_STATE),
            *alert_sections(services, allowed, reason, chosen),
            html.H4("Recurring mute windows", className="mt-4"),
            html.Div(id=ids.ALERTS_WINDOW_STATUS, className="mb-2"),
            html.Div(windows_section(services, allowed, reason), id=ids.ALERTS_WINDOWS),
            window_form(
                sorted(board.read_rules(services.settings, services.engine).by_name), allowed, reason
            ),
            action_modal(),
        ]
    )


def alert_sections(services: Services, allowed: bool, reason: str, model: str | None) -> list[Component]:
    """The Open and Resolved headings with their tables (the callbacks replace the tables' children)."""
    open_part, resolved_part = tables(services, allowed, reason, model)
    return [
        html.H4("Open alerts", className="mt-2"),
        html.Div(open_part, id=ids.ALERTS_OPEN),
        html.H4("Resolved alerts", className="mt-4"),
        html.Div(resolved_part, id=ids.ALERTS_RESOLVED),
    ]


def tables(
    services: Services, allowed: bool, reason: str, model: str | None = None
) -> tuple[Component, Component]:
    """Both tables as of now (of one model, or all), or why they cannot be read; a broken rules file
    is named, not fatal."""
    try:
        found = board.board(services.settings, services.engine, model=model)
    except sa.exc.SQLAlchemyError:
        return empty_state(UNAVAILABLE), html.Div()
    open_part: Component = open_table(found.open, found.open_total, allowed, reason)
    if found.rules.problem:
        warning = dbc.Alert(
            f"The reports file's alert rules have mistakes; rule details are missing: {found.rules.problem}",
            color="warning",
            className="small",
        )
        open_part = html.Div([warning, open_part])
    return open_part, resolved_table(found.resolved, found.resolved_total)


def windows_section(services: Services, allowed: bool, reason: str) -> Component:
    try:
        return windows_table(mute.windows(services.engine), allowed, reason)
    except sa.exc.SQLAlchemyError:
        return empty_state("Mute windows are not available.", "Run `portal db upgrade`.")


def action_modal() -> Component:
    """One dialog for both actions: a comment, and for a silence its duration (a choice or free text)."""
    choices = [{"label": DURATION_LABELS.get(c, c), "value": c} for c in SILENCE_CHOICES]
    choices.append({"label": "Other", "value": OTHER})
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(id=ids.ALERTS_MODAL_TITLE)),
            dbc.ModalBody(
                [
                    html.Div(id=ids.ALERTS_MODAL_ALERT, className="mb-2"),
                    html.Div(
                        [
                            dbc.Label("Silence for", html_for=ids.ALERTS_DURATION),
                            dbc.RadioItems(id=ids.ALERTS_DURATION, options=choices, value="1h", inline=True),
                            dbc.Label(
                                "Other duration",
                                html_for=ids.ALERTS_DURATION_OTHER,
                                className="visually-hidden",
                            ),
                            dcc.Input(
                                id=ids.ALERTS_DURATION_OTHER,
                                type="text",
                                placeholder="other duration, such as 30m, 12h or 3d (up to 30d)",
                                className="form-control mt-1",
                            ),
                        ],
                        id=ids.ALERTS_DURATION_ROW,
                        className="mb-2",
                    ),
                    dbc.Label(
                        f"Comment (optional, up to {COMMENT_LIMIT} characters)", html_for=ids.ALERTS_COMMENT
                    ),
                    dbc.Textarea(id=ids.ALERTS_COMMENT, rows=3),
                    html.Div(id=ids.ALERTS_MODAL_FEEDBACK, className="mt-2"),
                    dcc.Store(id=ids.ALERTS_TARGET, data=None),
                ]
            ),
            dbc.ModalFooter(
                [
                    dbc.Button("Cancel", id=ids.ALERTS_CANCEL, color="secondary"),
                    dbc.Button("Confirm", id=ids.ALERTS_CONFIRM, color="primary"),
                ]
            ),
        ],
        id=ids.ALERTS_MODAL,
        is_open=False,
    )
