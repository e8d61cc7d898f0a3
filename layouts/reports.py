"""Reports: the configured screenshot reports, their next runs, and the run history with downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
import sqlalchemy as sa
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, page_header, table
from portal import ids
from portal.reports import history
from portal.reports.access import may_run_now
from portal.reports.definitions import ReportDefinition, load_reports
from portal.reports.fields import DefinitionError, next_run
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
    """Definitions with "Run now", and the history a callback refreshes while a run is going."""
    return html.Div(
        [
            page_header(
                "Reports",
                "Screenshot reports rendered by headless Chromium on a schedule, with every run recorded.",
            ),
            html.Div(definitions(services), id=ids.REPORTS_DEFINITIONS),
            html.Div(id=ids.REPORTS_RUN_STATUS, className="mb-2"),
            html.H4("Run history", className="mt-3"),
            html.Div(history_table(services), id=ids.REPORTS_HISTORY),
            dcc.Interval(id=ids.REPORTS_POLL, interval=POLL_MS, disabled=not any_active(services)),
        ]
    )


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
        ["Report", "Title", "Output", "Schedule", "Next run", ""],
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
        button,
    ]


def any_active(services: Services) -> bool:
    try:
        return any(run.active for run in history.recent(services.engine, HISTORY_ROWS))
    except sa.exc.SQLAlchemyError:
        return False


def history_table(services: Services) -> Component:
    """Newest runs first, each with its status, progress or error, and its files to download."""
    try:
        runs = history.recent(services.engine, HISTORY_ROWS)
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
    detail = run.error or (run.progress if run.active else "")
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
