"""The Alerts page's tables: one row per alert with its rule, finding, link, state and delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from layouts.components import empty_state, table
from portal import ids
from portal.alerts.board import AlertView, delivery_lines, watches
from portal.alerts.notices import KIND_NAMES
from portal.alerts.store import now

STAMP = "%Y-%m-%d %H:%M UTC"
PAGE_NAMES = {"/drift": "Drift page", "/performance": "Performance page", "/overview": "Overview"}
OPEN_COLUMNS = ["Rule", "Model", "Raised", "Finding", "State", ""]
RESOLVED_COLUMNS = ["Rule", "Model", "Raised", "Resolved", "Finding", "Delivery log"]


def stamp(value: dt.datetime | None) -> str:
    return value.strftime(STAMP) if value is not None else ""


def open_table(rows: list[AlertView], total: int, allowed: bool, reason: str) -> Component:
    """Open alerts with their state and Acknowledge / Silence (disabled, with why, if not allowed)."""
    if not rows:
        return empty_state("No open alerts.", "Alerts are raised by the rules' checks (portal alerts check).")
    body = table(
        OPEN_COLUMNS,
        [_open_row(view, allowed, reason) for view in rows],
        table_id="alerts-open-table",
    )
    return html.Div([_shown(len(rows), total, "open"), body])


def resolved_table(rows: list[AlertView], total: int) -> Component:
    """The latest resolved alerts, newest first, with the total so nothing is silently left out."""
    if not rows:
        return empty_state("No resolved alerts yet.")
    body = table(RESOLVED_COLUMNS, [_resolved_row(view) for view in rows], table_id="alerts-resolved-table")
    return html.Div([_shown(len(rows), total, "resolved"), body])


def _shown(listed: int, total: int, status: str) -> Component:
    text = f"{total} {status} alert{'s' if total != 1 else ''}"
    if listed < total:
        text += f"; the latest {listed} are listed (all of them: GET /api/v1/alerts?status={status})"
    return html.Div(text, className="small text-muted mb-1 portal-alerts-count")


def _rule_cell(view: AlertView) -> Component:
    alert, rule = view.alert, view.rule
    kind = KIND_NAMES.get(alert.kind, alert.kind)
    if rule is None:
        about = html.Div(
            f"Fired on {kind}; the rule is no longer in the reports file", className="small text-muted"
        )
        title = alert.rule
    else:
        about = html.Div(f"Fired on {kind}. The rule watches {watches(rule)}", className="small text-muted")
        title = rule.title
    return html.Div(
        [html.Div(title, className="fw-semibold"), html.Code(alert.rule), about],
        className="portal-alert-rule",
        **{"data-alert-id": str(alert.id)},
    )


def _finding_cell(view: AlertView) -> Component:
    alert = view.alert
    path = alert.page.split("?", 1)[0]
    link = html.A(f"Open the {PAGE_NAMES.get(path, 'page')}", href=alert.page, className="small link-primary")
    return html.Div([html.Div(alert.summary, className="portal-alert-summary"), link])


def _model_cell(view: AlertView) -> str:
    return f"{view.alert.model_name} v{view.alert.model_version}"


def _raised_cell(view: AlertView) -> Component:
    alert = view.alert
    return html.Div(
        [
            html.Div(stamp(alert.raised_at)),
            html.Div(f"last seen {stamp(alert.last_seen_at)}", className="small"),
        ]
    )


def state_cell(view: AlertView, at: dt.datetime) -> Component:
    """Acknowledged (who, when, comment), silenced until (who, comment), held now (why), and the log."""
    alert = view.alert
    parts: list[Component] = []
    if alert.acknowledged_by is not None:
        note = f" by {alert.acknowledged_by} at {stamp(alert.acknowledged_at)}"
        if alert.acknowledge_comment:
            note += f": {alert.acknowledge_comment}"
        parts.append(
            html.Div(
                [dbc.Badge("acknowledged", color="info", className="me-1"), html.Span(note)],
                className="small portal-alert-ack",
            )
        )
    if alert.silenced_until is not None:
        active = alert.silenced_at_time(at)
        label = f"silenced until {stamp(alert.silenced_until)}" if active else "silence ended"
        note = f" by {alert.silenced_by}" + (f": {alert.silence_comment}" if alert.silence_comment else "")
        if not active:
            note = f" at {stamp(alert.silenced_until)}" + note
        parts.append(
            html.Div(
                [
                    dbc.Badge(label, color="warning" if active else "secondary", className="me-1"),
                    html.Span(note),
                ],
                className="small portal-alert-silence",
            )
        )
    if view.held is not None and view.held.startswith("muted"):
        parts.append(
            html.Div(
                [dbc.Badge("held", color="secondary", className="me-1"), html.Span(view.held)],
                className="small portal-alert-held",
            )
        )
    if not parts:
        parts.append(html.Div(dbc.Badge("new", color="danger"), className="small"))
    parts.append(delivery_log(view))
    return html.Div(parts)


def delivery_log(view: AlertView) -> Component:
    """Each delivery attempt, and why a notice was not sent (its silence or mute window)."""
    lines = delivery_lines(view.alert)
    if not lines:
        return html.Div("No notice sent yet.", className="small text-muted portal-alert-deliveries")
    return html.Details(
        [
            html.Summary(f"Delivery log ({len(lines)})", className="small"),
            html.Ul([html.Li(line, className="small") for line in lines], className="mb-0"),
        ],
        className="portal-alert-deliveries",
    )


def _wired(alert_id: int, action: str, allowed: bool) -> dict[str, dict[str, str | int]]:
    """A button's pattern id only when its callback may run: Dash fires pattern callbacks whenever
    matching buttons appear, and the gate would refuse a viewer's with a 403."""
    return {"id": ids.alerts_act(alert_id, action)} if allowed else {}


def _actions(view: AlertView, allowed: bool, reason: str) -> Component:
    alert = view.alert
    acknowledged = alert.acknowledged_by is not None
    buttons = [
        dbc.Button(
            "Acknowledge",
            **_wired(alert.id, "acknowledge", allowed),
            size="sm",
            color="primary",
            outline=True,
            disabled=not allowed or acknowledged,
            title=reason if not allowed else ("already acknowledged" if acknowledged else ""),
            className="me-1 mb-1",
        ),
        dbc.Button(
            "Silence",
            **_wired(alert.id, "silence", allowed),
            size="sm",
            color="warning",
            outline=True,
            disabled=not allowed,
            title=reason if not allowed else "",
            className="me-1 mb-1",
        ),
    ]
    return html.Div(buttons, className="portal-no-print text-nowrap")


def _open_row(view: AlertView, allowed: bool, reason: str) -> list[Any]:
    return [
        _rule_cell(view),
        _model_cell(view),
        _raised_cell(view),
        _finding_cell(view),
        state_cell(view, now()),
        _actions(view, allowed, reason),
    ]


def _resolved_row(view: AlertView) -> list[Any]:
    return [
        _rule_cell(view),
        _model_cell(view),
        stamp(view.alert.raised_at),
        stamp(view.alert.resolved_at),
        _finding_cell(view),
        delivery_log(view),
    ]
