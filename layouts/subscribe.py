"""The Subscribe dialog in the navbar: make a scheduled report of the page as it is shown now.

It opens prefilled with the page and its URL state (model, segment, window, the other controls);
``callbacks/subscribe.py`` saves it through the same validation as the REST API.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import delivery_fields, labelled_field
from portal import ids
from portal.reports.cadence import KINDS
from portal.security.principal import current_principal
from portal.security.roles import Role

KIND_LABELS = {
    "daily": "Daily",
    "weekly": "Weekly (day)",
    "monthly": "Monthly (day)",
    "cron": "Cron (experts)",
}


def open_button() -> Component:
    return dbc.Button(
        "Subscribe",
        id=ids.SUBSCRIBE_OPEN,
        color="light",
        size="sm",
        outline=True,
        className="ms-2 portal-interactive",
        title="Get this page, as it is shown now, by email or webhook on a schedule",
    )


def dialog() -> Component:
    """The modal; the directory field is drawn for admins only."""
    principal = current_principal()
    admin = principal is None or principal.has(Role.ADMIN)
    schedule = dbc.Row(
        [
            dbc.Col(
                labelled_field(
                    "Schedule",
                    dbc.Select(
                        id=ids.SUBSCRIBE_KIND,
                        options=[{"label": KIND_LABELS[k], "value": k} for k in KINDS],
                        value="daily",
                    ),
                ),
                md=4,
            ),
            dbc.Col(
                labelled_field(
                    "Day",
                    dbc.Input(id=ids.SUBSCRIBE_DAY, placeholder="mon / 1-28", value=""),
                    "weekday, or day of month",
                ),
                md=3,
            ),
            dbc.Col(
                labelled_field("Time", dbc.Input(id=ids.SUBSCRIBE_TIME, value="07:00", placeholder="07:00")),
                md=2,
            ),
            dbc.Col(labelled_field("Time zone", dbc.Input(id=ids.SUBSCRIBE_TIMEZONE, value="UTC")), md=3),
        ],
        className="g-2",
    )
    body = [
        dcc.Store(id=ids.SUBSCRIBE_LOCATION),
        dcc.Store(id=ids.SUBSCRIBE_EDITING),
        labelled_field("Title", dbc.Input(id=ids.SUBSCRIBE_TITLE, maxLength=200)),
        labelled_field(
            "Page", dbc.Input(id=ids.SUBSCRIBE_PAGE, readonly=True), "the page with its current controls"
        ),
        html.Div(id=ids.SUBSCRIBE_CONTROLS, className="small text-muted mb-2"),
        labelled_field(
            "Format",
            dbc.RadioItems(
                id=ids.SUBSCRIBE_FORMAT,
                options=[{"label": "PNG image", "value": "png"}, {"label": "PDF document", "value": "pdf"}],
                value="png",
                inline=True,
            ),
        ),
        schedule,
        labelled_field(
            "Cron",
            dbc.Input(id=ids.SUBSCRIBE_CRON, placeholder="0 7 * * mon-fri"),
            "minute hour day month weekday; used when the schedule is Cron",
        ),
        html.Hr(),
        *delivery_fields(ids.SUBSCRIBE_EMAIL, ids.SUBSCRIBE_WEBHOOK, ids.SUBSCRIBE_WEBHOOK_STYLE),
        html.Div(
            labelled_field(
                "Directory (admins only)", dbc.Input(id=ids.SUBSCRIBE_DIRECTORY, placeholder="/srv/reports")
            ),
            id=ids.SUBSCRIBE_DIRECTORY_ROW,
            hidden=not admin,
        ),
        dbc.Checkbox(
            id=ids.SUBSCRIBE_CONDITION,
            label="Send only if an alert on this model is open",
            value=False,
            className="mb-2",
        ),
        html.Div(id=ids.SUBSCRIBE_FEEDBACK, role="status"),
        html.Img(id=ids.SUBSCRIBE_PREVIEW_IMAGE, className="img-fluid border mt-2 d-none", alt="Preview"),
    ]
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Subscribe to this page")),
            dbc.ModalBody(body),
            dbc.ModalFooter(
                [
                    dbc.Button(
                        "Preview first page", id=ids.SUBSCRIBE_PREVIEW, color="secondary", outline=True
                    ),
                    dbc.Button("Save", id=ids.SUBSCRIBE_SAVE, color="primary"),
                    dbc.Button("Close", id=ids.SUBSCRIBE_CLOSE, color="link"),
                ]
            ),
        ],
        id=ids.SUBSCRIBE_MODAL,
        is_open=False,
        size="lg",
        scrollable=True,
    )
