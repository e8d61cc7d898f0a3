"""The Alerts page's recurring mute windows: the list with Delete, and the form that adds one."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, table
from portal import ids
from portal.alerts.mute import COMMENT_LIMIT, WEEKDAYS, MuteWindow

DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ZONES = ("UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "America/New_York", "Asia/Tokyo")


def windows_table(windows: list[MuteWindow], allowed: bool, reason: str) -> Component:
    """Every window: its scope, days, hours, zone and who added it, with Delete for analysts."""
    if not windows:
        return empty_state("No mute windows.", "Add one below to hold notices back at regular times.")
    rows = [
        [
            html.Span(window.name, className="fw-semibold", **{"data-window-id": str(window.id)}),
            window.rule or "all rules",
            window.days,
            f"{window.start}-{window.end}",
            window.timezone,
            html.Span(window.comment, className="small"),
            f"{window.created_by}, {window.created_at:%Y-%m-%d %H:%M} UTC",
            dbc.Button(
                "Delete",
                # Wired only for analysts: Dash fires pattern callbacks when matching buttons appear.
                **({"id": ids.alerts_window_delete(window.id)} if allowed else {}),
                size="sm",
                color="danger",
                outline=True,
                disabled=not allowed,
                title=reason if not allowed else f"Delete the mute window {window.name!r}",
                className="portal-no-print",
            ),
        ]
        for window in windows
    ]
    return table(
        ["Window", "Rule", "Days", "Time", "Time zone", "Comment", "Added by", ""],
        rows,
        table_id="alerts-windows-table",
    )


def _field(label: str, control: Component, control_id: str, width: int) -> Component:
    return dbc.Col([dbc.Label(label, html_for=control_id), control], md=width)


def window_form(rule_names: list[str], allowed: bool, reason: str) -> Component:
    """Name, rule (or all), weekdays, from/to local time, IANA time zone and a comment."""
    rules = [{"label": "All rules", "value": ""}] + [{"label": name, "value": name} for name in rule_names]
    days = [{"label": label, "value": day} for label, day in zip(DAY_LABELS, WEEKDAYS, strict=True)]
    disabled = not allowed
    text = {"type": "text", "className": "form-control", "disabled": disabled, "debounce": False}
    return html.Fieldset(
        [
            html.Legend("Add a mute window", className="fs-6 fw-semibold"),
            dbc.Row(
                [
                    _field(
                        "Name",
                        dcc.Input(id=ids.ALERTS_WINDOW_NAME, placeholder="weekends", **text),
                        ids.ALERTS_WINDOW_NAME,
                        3,
                    ),
                    _field(
                        "Rule",
                        dcc.Dropdown(
                            id=ids.ALERTS_WINDOW_RULE,
                            options=rules,
                            value="",
                            clearable=False,
                            disabled=disabled,
                        ),
                        ids.ALERTS_WINDOW_RULE,
                        3,
                    ),
                    _field(
                        "Time zone",
                        dcc.Input(id=ids.ALERTS_WINDOW_TIMEZONE, value="UTC", list="alerts-zones", **text),
                        ids.ALERTS_WINDOW_TIMEZONE,
                        3,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Datalist([html.Option(value=zone) for zone in ZONES], id="alerts-zones"),
            dbc.Label("Weekdays", html_for=ids.ALERTS_WINDOW_DAYS),
            dbc.Checklist(
                id=ids.ALERTS_WINDOW_DAYS,
                options=[{**option, "disabled": disabled} for option in days],
                value=["sat", "sun"],
                inline=True,
                className="mb-2",
            ),
            dbc.Row(
                [
                    _field(
                        "From (HH:MM)",
                        dcc.Input(id=ids.ALERTS_WINDOW_START, value="00:00", **text),
                        ids.ALERTS_WINDOW_START,
                        2,
                    ),
                    _field(
                        "To (HH:MM, 24:00 ends the day)",
                        dcc.Input(id=ids.ALERTS_WINDOW_END, value="24:00", **text),
                        ids.ALERTS_WINDOW_END,
                        3,
                    ),
                    _field(
                        f"Comment (up to {COMMENT_LIMIT} characters)",
                        dcc.Input(id=ids.ALERTS_WINDOW_COMMENT, **text),
                        ids.ALERTS_WINDOW_COMMENT,
                        5,
                    ),
                ],
                className="g-2 mb-2",
            ),
            html.Div(
                "An end at or before the start runs past midnight. Alerts are still raised and listed while "
                "muted; only their notices wait.",
                className="small text-muted mb-2",
            ),
            dbc.Button(
                "Add mute window",
                id=ids.ALERTS_WINDOW_ADD,
                color="primary",
                disabled=disabled,
                title=reason if disabled else "",
            ),
        ],
        className="border rounded p-3 mt-2 portal-no-print",
    )
