"""The list "Alert rules on this model": follows the page's model; pause, resume and delete page rules."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import ALL, Input, Output, State

from layouts import alert_rule_dialog
from layouts.alert_rule_dialog import SCHEDULES
from portal import ids
from portal.alerts import rule_store
from portal.alerts.rule_store import Editor
from portal.reports.access import current_subscriber
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services

log = logging.getLogger(__name__)
ACTION = {"type": ids.ALERT_RULE_ACTION, "name": ALL, "action": ALL}
DELETE = {"type": ids.ALERT_RULE_DELETE, "name": ALL}
# The pages that mount the panel, and their model control: the list follows it without a reload.
MODEL_CONTROLS = (ids.DRIFT_MODEL, ids.PERF_MODEL)


def register(app: dash.Dash, services: Services) -> None:
    for control in MODEL_CONTROLS:
        app.callback(
            Output(ids.ALERT_RULE_SCOPE, "data", allow_duplicate=True),
            Input(control, "value"),
            prevent_initial_call=True,
        )(follow_model)

    @app.callback(
        Output(ids.ALERT_RULE_LIST, "children"),
        Input(ids.ALERT_RULE_SCOPE, "data"),
        Input(ids.ALERT_RULE_CHANGED, "data"),
    )
    def show(scope: dict[str, Any] | None, _changed: int | None) -> Any:
        model = (scope or {}).get("model")
        if not isinstance(model, str) or not model:
            return None
        return listed(services, model)

    @app.callback(
        Output(ids.ALERT_RULE_LIST_FEEDBACK, "children"),
        Output(ids.ALERT_RULE_CHANGED, "data", allow_duplicate=True),
        Input(ACTION, "n_clicks"),
        Input(DELETE, "submit_n_clicks"),
        State(ids.ALERT_RULE_CHANGED, "data"),
        prevent_initial_call=True,
    )
    @requires(Role.ANALYST)
    def act(clicks: list[int | None], confirmed: list[int | None], changed: int | None) -> tuple[Any, Any]:
        trigger = dash.ctx.triggered_id
        if not isinstance(trigger, dict) or not any([*(clicks or []), *(confirmed or [])]):
            return dash.no_update, dash.no_update
        action = "delete" if trigger.get("type") == ids.ALERT_RULE_DELETE else str(trigger.get("action"))
        return apply(services, str(trigger.get("name")), action), int(changed or 0) + 1


def follow_model(model: str | None) -> Any:
    return {"model": model} if isinstance(model, str) and model else dash.no_update


def listed(services: Services, model: str) -> Any:
    """The rules on ``model`` as rows, each saying whether the requester may change it."""
    subscriber = current_subscriber()
    editor = Editor(subscriber.name, subscriber.role) if subscriber else None
    try:
        rules = rule_store.rules_on_model(services.settings, services.engine, model)
    except sa.exc.SQLAlchemyError:
        log.exception("alert rules not listed")
        return dbc.Alert("Alert rules are not available: run `portal db upgrade`.", color="warning")
    rows = []
    for stored in rules:
        rule = stored.rule
        rows.append(
            {
                "name": rule.name,
                "title": rule.title,
                "source": rule.source,
                "paused": stored.paused,
                "owner": stored.owner,
                "watches": rule.watches(),
                "window": f"{rule.window_days} days",
                "when": SCHEDULES.get(rule.schedule or "", rule.schedule or "not scheduled"),
                "deliveries": [d.describe() for d in rule.deliveries],
                "may_change": editor is not None and rule_store.may_change(stored, editor),
            }
        )
    return alert_rule_dialog.rule_rows(rows, model)


def apply(services: Services, name: str, action: str) -> Any:
    """Pause, resume or delete ``name`` as the signed-in person; a sentence says what happened."""
    subscriber = current_subscriber()
    if subscriber is None:
        return dbc.Alert("Sign in to change alert rules.", color="warning")
    editor = Editor(subscriber.name, subscriber.role)
    settings, engine = services.settings, services.engine
    try:
        if action == "delete":
            rule_store.delete(settings, engine, name, editor)
            message = f"Alert rule {name!r} deleted; its open alerts are resolved."
        elif action in ("pause", "resume"):
            rule_store.set_paused(settings, engine, name, action == "pause", editor)
            message = f"Alert rule {name!r} {'paused' if action == 'pause' else 'resumed'}."
        else:
            return dash.no_update
    except rule_store.ReadOnly as exc:
        return dbc.Alert(str(exc), color="warning")
    except rule_store.NotFound:
        return dbc.Alert(f"No alert rule {name!r} of yours exists any more.", color="warning")
    except sa.exc.SQLAlchemyError:
        log.exception("alert rule not changed")
        return dbc.Alert("Alert rules are not available: run `portal db upgrade`.", color="danger")
    return dbc.Alert(message, color="info", className="portal-alert-rule-changed", dismissable=True)
