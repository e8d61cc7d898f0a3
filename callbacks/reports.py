"""Reports page callbacks: subscription actions, "Run now" in its own process, and the history's progress."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import ALL, Input, Output, State, ctx

from layouts import reports
from portal import ids
from portal.reports import history, store
from portal.reports.access import current_subscriber, may_run_now
from portal.reports.definitions import load_reports
from portal.reports.fields import DefinitionError
from portal.reports.launch import start_run
from portal.security import audit
from portal.security.policy import requires
from portal.security.roles import Role
from portal.services import Services


def register(app: dash.Dash, services: Services) -> None:
    @app.callback(
        Output(ids.REPORTS_RUN_STATUS, "children"),
        Output(ids.REPORTS_POLL, "disabled", allow_duplicate=True),
        Input({"type": ids.REPORTS_RUN_NOW, "report": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    @requires(Role.ADMIN)
    def run_now(clicks: list[int | None]) -> tuple[Any, bool]:
        if not ctx.triggered_id or not any(clicks):
            return dash.no_update, dash.no_update
        return start(services, ctx.triggered_id["report"])

    @app.callback(
        Output(ids.REPORTS_SUB_STATUS, "children"),
        Output(ids.REPORTS_SUBSCRIPTIONS, "children"),
        Output(ids.REPORTS_POLL, "disabled", allow_duplicate=True),
        Input({"type": ids.REPORTS_SUB_ACTION, "report": ALL, "action": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def subscription_action(clicks: list[int | None]) -> tuple[Any, Any, Any]:
        fired = ctx.triggered_id
        if not fired or not any(clicks) or not ctx.triggered or not ctx.triggered[0].get("value"):
            return dash.no_update, dash.no_update, dash.no_update
        message, poll = act(services, fired["report"], fired["action"])
        return message, reports.subscriptions_table(services, current_subscriber()), poll

    @app.callback(
        Output(ids.SUBSCRIBE_MODAL, "is_open", allow_duplicate=True),
        Output(ids.SUBSCRIBE_EDITING, "data", allow_duplicate=True),
        Output(ids.SUBSCRIBE_TITLE, "value", allow_duplicate=True),
        Output(ids.SUBSCRIBE_PAGE, "value", allow_duplicate=True),
        Output(ids.SUBSCRIBE_CONTROLS, "children", allow_duplicate=True),
        Output(ids.SUBSCRIBE_FORMAT, "value"),
        Output(ids.SUBSCRIBE_KIND, "value"),
        Output(ids.SUBSCRIBE_DAY, "value"),
        Output(ids.SUBSCRIBE_TIME, "value"),
        Output(ids.SUBSCRIBE_TIMEZONE, "value", allow_duplicate=True),
        Output(ids.SUBSCRIBE_CRON, "value"),
        Output(ids.SUBSCRIBE_EMAIL, "value", allow_duplicate=True),
        Output(ids.SUBSCRIBE_WEBHOOK, "value"),
        Output(ids.SUBSCRIBE_WEBHOOK_STYLE, "value"),
        Output(ids.SUBSCRIBE_DIRECTORY, "value"),
        Output(ids.SUBSCRIBE_CONDITION, "value"),
        Output(ids.SUBSCRIBE_FEEDBACK, "children", allow_duplicate=True),
        Input({"type": ids.REPORTS_SUB_EDIT, "report": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def edit(clicks: list[int | None]) -> tuple[Any, ...]:
        fired = ctx.triggered_id
        if not fired or not any(clicks) or not ctx.triggered or not ctx.triggered[0].get("value"):
            return (dash.no_update,) * 17
        return edit_fields(services, fired["report"])

    @app.callback(
        Output(ids.REPORTS_HISTORY, "children"),
        Output(ids.REPORTS_POLL, "disabled"),
        Input(ids.REPORTS_POLL, "n_intervals"),
        Input(ids.REPORTS_RUN_STATUS, "children"),
        State(ids.REPORTS_POLL, "disabled"),
        prevent_initial_call=True,
    )
    def refresh(_ticks: int | None, _status: Any, _disabled: bool) -> tuple[Any, bool]:
        return reports.history_table(services), not reports.any_active(services)


def start(services: Services, name: str) -> tuple[Any, bool]:
    """Record a queued run and hand it to a child process; the page polls until it ends."""
    if not may_run_now():
        return dbc.Alert("You may not start report runs.", color="warning"), dash.no_update
    try:
        known = load_reports(services.settings, services.pages.paths)
    except DefinitionError as exc:
        return dbc.Alert(f"The reports file has mistakes: {exc}", color="warning"), dash.no_update
    if name not in known:
        return dbc.Alert(f"No report named {name!r} is defined any more.", color="warning"), dash.no_update
    try:
        run_id = history.create(services.engine, name, "page", status="queued")
    except sa.exc.SQLAlchemyError:
        return dbc.Alert("The run history is not available: run `portal db upgrade`.", color="warning"), True
    audit.record(services.engine, "report.run_now", name, run_id=run_id)
    start_run(services.settings, services.engine, name, run_id)
    return dbc.Alert(f"Run {run_id} of {name!r} started.", color="info", duration=8000), False


def act(services: Services, name: str, action: str) -> tuple[Any, Any]:
    """Pause, resume, delete or run one subscription; only its owner or an admin may."""
    subscriber = current_subscriber()
    if subscriber is None:
        return dbc.Alert("Sign in to manage subscriptions.", color="warning"), dash.no_update
    try:
        if action in ("pause", "resume"):
            store.set_paused(services.engine, name, action == "pause", subscriber)
            return dbc.Alert(f"{name!r} {action}d.", color="info", duration=6000), dash.no_update
        if action == "delete":
            store.delete(services.engine, name, subscriber)
            return dbc.Alert(f"{name!r} deleted; its run history stays.", color="info"), dash.no_update
        if action == "run":
            subscription = store.get(services.engine, name)
            if not store.may_manage(subscription, subscriber):
                raise store.NotFound(name)
            run_id = history.create(services.engine, name, "page", status="queued")
            audit.record(services.engine, "report.run_now", name, run_id=run_id)
            start_run(services.settings, services.engine, name, run_id)
            return dbc.Alert(f"Run {run_id} of {name!r} started.", color="info", duration=8000), False
    except store.NotFound:
        return dbc.Alert(f"No subscription {name!r} of yours exists.", color="warning"), dash.no_update
    except sa.exc.SQLAlchemyError:
        return dbc.Alert("Subscriptions are not available: run `portal db upgrade`.", color="danger"), True
    return dbc.Alert(f"Unknown action {action!r}.", color="warning"), dash.no_update


def edit_fields(services: Services, name: str) -> tuple[Any, ...]:
    """The Subscribe dialog opened on one subscription, its fields as they were saved."""
    subscriber = current_subscriber()
    subscription = store.find(services.engine, name) if subscriber is not None else None
    if subscription is None or subscriber is None or not store.may_manage(subscription, subscriber):
        refusal = dbc.Alert(f"No subscription {name!r} of yours exists.", color="warning")
        return (dash.no_update,) * 16 + (refusal,)
    emails = [
        address for item in subscription.deliveries if item["kind"] == "email" for address in item["to"]
    ]
    hooks = [item for item in subscription.deliveries if item["kind"] == "webhook"]
    folders = [item["path"] for item in subscription.deliveries if item["kind"] == "directory"]
    cadence = subscription.cadence
    url = subscription.page_spec().relative_url()
    return (
        True,
        subscription.name,
        subscription.title,
        url,
        f"Editing {subscription.name!r}; the page and its controls stay as saved.",
        subscription.format,
        cadence.kind,
        cadence.day,
        cadence.time,
        subscription.timezone,
        cadence.cron,
        ", ".join(emails),
        hooks[0]["url"] if hooks else "",
        hooks[0].get("style", "json") if hooks else "json",
        folders[0] if folders else "",
        subscription.condition == "alert_open",
        None,
    )
