"""Alerts page callbacks: acknowledge or silence an alert, add or delete a mute window, refresh the lists.

Every change goes through ``portal.alerts.manage`` (checked, then saved and audited, like the REST
API). The actions need an analyst: ``@requires`` lets the gate refuse them before they run, and each
action asks again, so a refused request never reaches the manager.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import ALL, Input, Output, State, ctx, html
from dash.development.base_component import Component

from callbacks.url_state import register_url_sync
from layouts import alerts as page
from portal import ids
from portal.alerts import board, manage, store
from portal.alerts.errors import AlertInputError
from portal.alerts.notices import KIND_NAMES
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services
from portal.web.identity import current_user

log = logging.getLogger(__name__)
ACTIONS = ("acknowledge", "silence")
MAX_ID = 2**62
NOTHING_CHANGED = "the portal database is unavailable ({}); nothing was changed."


def refusal(message: str) -> Component:
    """The manager's (or the role check's) reason, in an alert box; nothing was saved."""
    return dbc.Alert(message, color="danger", className="portal-alerts-refused mb-0")


def _record_id(value: Any) -> int | None:
    """A positive whole number that fits the database, from a button id or the dialog's target."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
        return value
    return None


def register(app: dash.Dash, services: Services) -> None:
    @app.callback(
        Output(ids.ALERTS_MODAL, "is_open"),
        Output(ids.ALERTS_MODAL_TITLE, "children"),
        Output(ids.ALERTS_MODAL_ALERT, "children"),
        Output(ids.ALERTS_DURATION_ROW, "hidden"),
        Output(ids.ALERTS_TARGET, "data"),
        Output(ids.ALERTS_COMMENT, "value"),
        Output(ids.ALERTS_DURATION_OTHER, "value"),
        Output(ids.ALERTS_MODAL_FEEDBACK, "children"),
        Input({"type": ids.ALERTS_ACT, "alert": ALL, "action": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def open_dialog(clicks: list[int | None]) -> tuple[Any, ...]:
        fired = ctx.triggered_id
        if not isinstance(fired, dict) or not any(clicks) or not ctx.triggered[0].get("value"):
            return (dash.no_update,) * 8
        return dialog(services, fired.get("alert"), fired.get("action"))

    @app.callback(
        Output(ids.ALERTS_MODAL, "is_open", allow_duplicate=True),
        Input(ids.ALERTS_CANCEL, "n_clicks"),
        prevent_initial_call=True,
    )
    def cancel(_clicks: int | None) -> bool:
        return False

    @app.callback(
        Output(ids.ALERTS_MODAL, "is_open", allow_duplicate=True),
        Output(ids.ALERTS_MODAL_FEEDBACK, "children", allow_duplicate=True),
        Output(ids.ALERTS_STATUS, "children"),
        Output(ids.ALERTS_OPEN, "children"),
        Output(ids.ALERTS_RESOLVED, "children"),
        Input(ids.ALERTS_CONFIRM, "n_clicks"),
        State(ids.ALERTS_TARGET, "data"),
        State(ids.ALERTS_DURATION, "value"),
        State(ids.ALERTS_DURATION_OTHER, "value"),
        State(ids.ALERTS_COMMENT, "value"),
        State(ids.ALERTS_MODEL, "value"),
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def confirm(
        clicks: int | None,
        target: dict[str, Any] | None,
        choice: str | None,
        other: str | None,
        comment: str | None,
        model: str | None,
    ) -> tuple[Any, ...]:
        if not clicks:
            return (dash.no_update,) * 5
        done, message = act(services, target, choice, other, comment)
        if not done:
            return True, refusal(message), dash.no_update, dash.no_update, dash.no_update
        status = dbc.Alert(message, color="success", duration=10000, className="portal-alerts-done")
        return False, None, status, *redraw(services, model)

    @app.callback(
        Output(ids.ALERTS_OPEN, "children", allow_duplicate=True),
        Output(ids.ALERTS_RESOLVED, "children", allow_duplicate=True),
        Output(ids.ALERTS_WINDOWS, "children", allow_duplicate=True),
        Input(ids.ALERTS_REFRESH, "n_clicks"),
        Input(ids.ALERTS_MODEL, "value"),
        prevent_initial_call=True,
    )
    def refresh(_clicks: int | None, model: str | None) -> tuple[Component, Component, Component]:
        """Everything as it is now, including what other people changed since the page loaded."""
        allowed, reason = page.permission()
        return *redraw(services, model), page.windows_section(services, allowed, reason)

    @app.callback(
        Output(ids.ALERTS_WINDOW_STATUS, "children"),
        Output(ids.ALERTS_WINDOWS, "children"),
        Output(ids.ALERTS_OPEN, "children", allow_duplicate=True),
        Input(ids.ALERTS_WINDOW_ADD, "n_clicks"),
        Input({"type": ids.ALERTS_WINDOW_DELETE, "window": ALL}, "n_clicks"),
        State(ids.ALERTS_WINDOW_NAME, "value"),
        State(ids.ALERTS_WINDOW_RULE, "value"),
        State(ids.ALERTS_WINDOW_DAYS, "value"),
        State(ids.ALERTS_WINDOW_START, "value"),
        State(ids.ALERTS_WINDOW_END, "value"),
        State(ids.ALERTS_WINDOW_TIMEZONE, "value"),
        State(ids.ALERTS_WINDOW_COMMENT, "value"),
        State(ids.ALERTS_MODEL, "value"),
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def windows(
        add: int | None,
        deletes: list[int | None],
        name: str | None,
        rule: str | None,
        days: list[str] | None,
        start: str | None,
        end: str | None,
        timezone: str | None,
        comment: str | None,
        model: str | None,
    ) -> tuple[Any, ...]:
        fired = ctx.triggered_id
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return (dash.no_update,) * 3
        if fired == ids.ALERTS_WINDOW_ADD:
            raw = {
                "name": name,
                "rule": rule or None,
                "weekdays": days or [],
                "start": start,
                "end": end,
                "timezone": timezone,
                "comment": comment,
            }
            message = add_window(services, raw)
        elif isinstance(fired, dict):
            message = delete_window(services, fired.get("window"))
        else:
            return (dash.no_update,) * 3
        allowed, reason = page.permission()
        open_part, _resolved = redraw(services, model)
        return message, page.windows_section(services, allowed, reason), open_part

    register_url_sync(app, ids.ALERTS_URL_STATE, {"model": (ids.ALERTS_MODEL, "value")})


def redraw(services: Services, model: str | None) -> tuple[Component, Component]:
    """Both tables as they are now, of the chosen model (an unknown one: all), for the requester's role."""
    allowed, reason = page.permission()
    _options, chosen = page.model_filter(services, model)
    return page.tables(services, allowed, reason, chosen)


def _allowed() -> str | None:
    """Why the requester may not act (the gate refused already; this is the callback's own check)."""
    allowed, reason = page.permission()
    return None if allowed else reason


def dialog(services: Services, alert_id: Any, action: Any) -> tuple[Any, ...]:
    """The dialog opened on one open alert: what it is, and the duration only for a silence."""
    denied = _allowed()
    number = _record_id(alert_id)
    if denied is None and (number is None or action not in ACTIONS):
        denied = f"no alert with id {alert_id!r}"
    try:
        alert = store.find(services.engine, number) if denied is None and number is not None else None
    except sa.exc.SQLAlchemyError as exc:
        denied = NOTHING_CHANGED.format(type(exc).__name__)
        alert = None
    if denied is None and alert is None:
        denied = f"no alert with id {number}"
    if alert is None:
        return True, "Not possible", None, True, None, "", "", refusal(str(denied))
    kind = KIND_NAMES.get(alert.kind, alert.kind)
    about = html.Div(
        [
            html.Div(f"Alert {alert.id}: {kind} ({alert.rule}) on {alert.model_name} v{alert.model_version}"),
            html.Div(alert.summary, className="small text-muted"),
        ]
    )
    title = f"Acknowledge alert {alert.id}" if action == "acknowledge" else f"Silence alert {alert.id}"
    return True, title, about, action != "silence", {"alert": alert.id, "action": action}, "", "", None


def act(
    services: Services,
    target: dict[str, Any] | None,
    choice: str | None,
    other: str | None,
    comment: str | None,
) -> tuple[bool, str]:
    """Acknowledge or silence through the manager: (done, what happened or why it was refused)."""
    denied = _allowed()
    if denied is not None:
        return False, denied
    target = target or {}
    number, action = _record_id(target.get("alert")), target.get("action")
    if number is None or action not in ACTIONS:
        return False, "Pick an open alert's Acknowledge or Silence button first."
    who = current_user()
    try:
        if action == "acknowledge":
            alert = manage.acknowledge(services.engine, number, who, comment)
            return True, f"Alert {alert.id} acknowledged by {alert.acknowledged_by}."
        duration = other if choice == page.OTHER else choice
        alert = manage.silence(services.engine, number, who, duration, comment)
    except AlertInputError as exc:
        return False, str(exc)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("alert action failed", extra={"alert_id": number, "error": type(exc).__name__})
        return False, NOTHING_CHANGED.format(type(exc).__name__)
    return True, f"Alert {alert.id} silenced until {alert.silenced_until:%Y-%m-%d %H:%M} UTC."


def add_window(services: Services, raw: dict[str, Any]) -> Component:
    """Check and save a mute window through the manager; its message on a refusal."""
    denied = _allowed()
    if denied is not None:
        return refusal(denied)
    try:
        rules = board.read_rules(services.settings, services.engine).by_name
        window = manage.add_window(services.engine, raw, rules, current_user())
    except AlertInputError as exc:
        return refusal(f"Not added: {exc}")
    except sa.exc.SQLAlchemyError as exc:
        return refusal(NOTHING_CHANGED.format(type(exc).__name__))
    return dbc.Alert(
        f"Mute window {window.name!r} added: {window.describe()}.", color="success", className="mb-0"
    )


def delete_window(services: Services, window_id: Any) -> Component:
    """Remove a mute window through the manager (audited)."""
    denied = _allowed()
    if denied is not None:
        return refusal(denied)
    number = _record_id(window_id)
    if number is None:
        return refusal(f"Not deleted: no mute window with id {window_id!r}")
    try:
        window = manage.delete_window(services.engine, number, current_user())
    except AlertInputError as exc:
        return refusal(f"Not deleted: {exc}")
    except sa.exc.SQLAlchemyError as exc:
        return refusal(NOTHING_CHANGED.format(type(exc).__name__))
    return dbc.Alert(f"Mute window {window.name!r} deleted.", color="info", className="mb-0")
