"""Reports: subscriptions (the requester's, or all for admins), the file's reports, and run history."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, page_header, table
from portal import ids
from portal.reports import history, store
from portal.reports.access import current_subscriber, may_run_now
from portal.reports.definitions import ReportDefinition, load_reports
from portal.reports.fields import DefinitionError, next_run
from portal.reports.subscriptions import Subscriber, Subscription
from portal.security.roles import Role
from portal.services import Services

POLL_MS = 2000
HISTORY_ROWS = 30
STATUS_COLOURS = {
    "succeeded": "success",
    "failed": "danger",
    "running": "info",
    "queued": "secondary",
    "skipped": "warning",
}


def layout(services: Services, **_query: Any) -> Component:
    """Subscriptions with their actions, the file's reports (admins), and the history a callback refreshes."""
    subscriber = current_subscriber()
    admin = subscriber is None or subscriber.role >= Role.ADMIN
    return html.Div(
        [
            page_header(
                "Reports",
                "Scheduled screenshot reports: subscribe from any page with the Subscribe button; "
                "every run is recorded here with its files.",
            ),
            html.H4("All subscriptions" if admin else "Your subscriptions", className="mt-2"),
            html.Div(id=ids.REPORTS_SUB_STATUS, className="mb-2"),
            html.Div(subscriptions_table(services, subscriber), id=ids.REPORTS_SUBSCRIPTIONS),
            html.Div(
                [
                    html.H4(
                        ["From the reports file ", dbc.Badge("read-only", color="secondary")],
                        className="mt-3",
                    ),
                    html.P(
                        "Code-managed reports from PORTAL_REPORTS_FILE: change them in the file.",
                        className="text-muted small",
                    ),
                    html.Div(definitions(services) if admin else None, id=ids.REPORTS_DEFINITIONS),
                ],
                hidden=not admin,
            ),
            html.Div(id=ids.REPORTS_RUN_STATUS, className="mb-2"),
            html.H4("Run history", className="mt-3"),
            html.Div(history_table(services), id=ids.REPORTS_HISTORY),
            dcc.Interval(id=ids.REPORTS_POLL, interval=POLL_MS, disabled=not any_active(services)),
        ]
    )


def visible_subscriptions(services: Services, subscriber: Subscriber | None) -> list[Subscription]:
    """The requester's own subscriptions, or all of them for an admin (and with sign-in off)."""
    try:
        return store.listing(services.engine, subscriber)
    except sa.exc.SQLAlchemyError:
        return []


def visible_reports(services: Services) -> set[str] | None:
    """Names whose runs the requester may see: None means all (admins)."""
    subscriber = current_subscriber()
    if subscriber is None or subscriber.role >= Role.ADMIN:
        return None
    return {subscription.name for subscription in visible_subscriptions(services, subscriber)}


def subscriptions_table(services: Services, subscriber: Subscriber | None) -> Component:
    try:
        found = store.listing(services.engine, subscriber)
    except sa.exc.SQLAlchemyError:
        return empty_state("Subscriptions are not available.", "Run `portal db upgrade`.")
    if not found:
        return empty_state("No subscriptions yet.", "Open any page and press Subscribe in the navbar.")
    return table(
        ["Report", "Page", "Schedule", "Next run", "Deliveries", "Owner", "Status", ""],
        [_subscription_row(subscription) for subscription in found],
        table_id="reports-subscriptions-table",
    )


def _subscription_row(subscription: Subscription) -> list[Any]:
    definition = subscription.definition()
    upcoming = None if subscription.paused else next_run(definition)
    url = subscription.page_spec().relative_url()
    deliveries = ", ".join(delivery.describe() for delivery in definition.deliveries)
    if subscription.condition == "alert_open":
        deliveries += f" (only while an alert on {subscription.model} is open)"
    status = (
        dbc.Badge("paused", color="warning") if subscription.paused else dbc.Badge("active", color="success")
    )
    toggle = "resume" if subscription.paused else "pause"
    actions = [
        dbc.Button(
            label,
            id=ids.reports_sub_action(subscription.name, action),
            size="sm",
            color=colour,
            outline=True,
            className="me-1 mb-1",
        )
        for label, action, colour in (
            (toggle.title(), toggle, "secondary"),
            ("Run now", "run", "primary"),
            ("Delete", "delete", "danger"),
        )
    ]
    edit = dbc.Button(
        "Edit",
        id=ids.reports_sub_edit(subscription.name),
        size="sm",
        color="secondary",
        outline=True,
        className="me-1 mb-1",
    )
    buttons = html.Div([edit, *actions], className="portal-no-print text-nowrap")
    return [
        html.Div([html.Div(subscription.title, className="fw-semibold"), html.Code(subscription.name)]),
        html.A(url, href=url),
        f"{subscription.cadence.describe()} ({subscription.timezone}), {subscription.format.upper()}",
        upcoming.strftime("%Y-%m-%d %H:%M %Z") if upcoming else "",
        html.Span(deliveries, className="small"),
        f"{subscription.owner} ({subscription.render_role.label})",
        status,
        buttons,
    ]


def definitions(services: Services) -> Component:
    settings = services.settings
    if not settings.reports_file:
        return empty_state(
            "No reports are defined.", "Set PORTAL_REPORTS_FILE to a YAML file of report definitions."
        )
    try:
        reports = load_reports(settings, services.pages.paths)
    except DefinitionError as exc:
        return dbc.Alert(
            [html.Div("The reports file has mistakes:", className="fw-semibold")]
            + [html.Div(problem, className="small") for problem in exc.problems],
            color="warning",
            className="portal-reports-invalid",
        )
    if not reports:
        return empty_state("The reports file defines no report.")
    return table(
        ["Report", "Title", "Output", "Schedule", "Next run", "Source", ""],
        [_definition_row(report) for report in reports.values()],
        table_id="reports-definitions-table",
    )


def _definition_row(report: ReportDefinition) -> list[Any]:
    upcoming = next_run(report)
    pages = ", ".join(page.relative_url() for page in report.pages)
    button = dbc.Button(
        "Run now",
        id=ids.reports_run_now(report.name),
        size="sm",
        color="primary",
        disabled=not may_run_now(),
        className="portal-no-print",
    )
    return [
        report.name,
        report.title,
        html.Span(f"{report.format.upper()}, {len(report.pages)} page(s)", title=pages),
        f"{report.schedule} ({report.timezone})" if report.schedule else "not scheduled",
        upcoming.strftime("%Y-%m-%d %H:%M %Z") if upcoming else "",
        dbc.Badge("file", color="secondary", title="defined in PORTAL_REPORTS_FILE; read-only here"),
        button,
    ]


def any_active(services: Services) -> bool:
    try:
        among = visible_reports(services)
        return any(run.active for run in history.recent(services.engine, HISTORY_ROWS, among=among))
    except sa.exc.SQLAlchemyError:
        return False


def history_table(services: Services) -> Component:
    """Newest runs first, each with its status, progress or error, and its files to download."""
    try:
        runs = history.recent(services.engine, HISTORY_ROWS, among=visible_reports(services))
    except sa.exc.SQLAlchemyError:
        return empty_state("The run history is not available.", "Run `portal db upgrade`.")
    if not runs:
        return empty_state("No report has run yet.")
    return table(
        ["Run", "Report", "Trigger", "Status", "Started (UTC)", "Seconds", "Detail", "Files"],
        [_history_row(run) for run in runs],
        table_id="reports-history-table",
    )


def _history_row(run: history.Run) -> list[Any]:
    status = dbc.Badge(run.status, color=STATUS_COLOURS.get(run.status, "secondary"))
    detail = run.error or (run.progress if run.active or not run.outputs else "")
    if run.deliveries and not run.error:
        detail = ", ".join(d["delivery"] for d in run.deliveries if d.get("ok"))
    files = [
        html.A(
            name, href=f"/reports/runs/{run.id}/files/{quote(name)}", className="d-block small", download=name
        )
        for name in run.outputs
    ]
    return [
        run.id,
        run.report,
        run.trigger,
        status,
        run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
        run.duration_seconds,
        html.Span(detail, className="small text-wrap portal-run-detail"),
        html.Div(files),
    ]
