"""/api/v1/reports: list, create, show, delete and run reports, and their run history.

The same rules as the Reports page: everyone sees and runs their own subscriptions, admins every
report including the file's (read-only here too); every change is in the audit log.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request

from portal.api.bodies import json_object_body
from portal.api.errors import ApiError
from portal.reports import history, store
from portal.reports.access import subscriber_for
from portal.reports.definitions import ReportDefinition
from portal.reports.fields import next_run
from portal.reports.launch import start_run
from portal.reports.subscriptions import Subscriber, SubscriptionError
from portal.security import audit
from portal.security.principal import current_principal
from portal.security.roles import Role
from portal.services import Services

log = logging.getLogger(__name__)
FIELDS = ("title", "page", "query", "format", "schedule", "timezone", "deliveries", "condition", "paused")
EXAMPLE = (
    '{"title": "Churn daily", "page": "/overview?model=churn", "schedule": {"kind": "daily", '
    '"time": "07:00"}, "timezone": "UTC", "deliveries": [{"kind": "email", "to": "me@example.com"}]}'
)
HISTORY_LIMIT = 50


def _subscriber() -> Subscriber:
    subscriber = subscriber_for(current_principal())
    if subscriber is None:
        raise ApiError(403, "reports need a signed-in role or an API token")
    return subscriber


def file_report_json(report: ReportDefinition) -> dict[str, Any]:
    upcoming = next_run(report)
    return {
        "name": report.name,
        "title": report.title,
        "origin": "file",
        "read_only": True,
        "pages": [page.relative_url() for page in report.pages],
        "format": report.format,
        "schedule": {"cron": report.schedule} if report.schedule else None,
        "timezone": report.timezone,
        "next_run_at": upcoming.isoformat() if upcoming else None,
    }


def run_json(run: history.Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "report": run.report,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "duration_seconds": run.duration_seconds,
        "error": run.error,
        "files": [
            {"name": name, "url": f"{request.host_url.rstrip('/')}/reports/runs/{run.id}/files/{quote(name)}"}
            for name in run.outputs
        ],
    }


def create_reports_api_blueprint(services: Services) -> Blueprint:
    api = Blueprint("api_reports", __name__)

    def file_reports() -> dict[str, ReportDefinition]:
        return store.file_reports(services.settings, services.pages.paths)

    def subscription_json(subscription: store.Subscription) -> dict[str, Any]:
        upcoming = None if subscription.paused else next_run(subscription.definition())
        return {
            **subscription.as_json(),
            "read_only": False,
            "next_run_at": upcoming.isoformat() if upcoming else None,
        }

    def visible(name: str, subscriber: Subscriber) -> dict[str, Any]:
        """The report ``name`` as the requester may see it, or 404 (never saying whose it is)."""
        subscription = store.find(services.engine, name)
        if subscription is not None and store.may_manage(subscription, subscriber):
            return subscription_json(subscription)
        report = file_reports().get(name)
        if report is not None and subscriber.role >= Role.ADMIN:
            return file_report_json(report)
        raise ApiError(404, f"no report named {name!r} that you may see")

    @api.get("/reports")
    def listing() -> Response:
        subscriber = _subscriber()
        try:
            reports = [subscription_json(s) for s in store.listing(services.engine, subscriber)]
        except sa.exc.SQLAlchemyError:
            raise ApiError(503, "report subscriptions are not available; run `portal db upgrade`") from None
        if subscriber.role >= Role.ADMIN:
            reports += [file_report_json(report) for report in file_reports().values()]
        return jsonify({"reports": reports})

    @api.post("/reports")
    def create() -> tuple[Response, int]:
        subscriber = _subscriber()
        body = json_object_body(FIELDS, EXAMPLE)
        try:
            saved = store.save(
                services.settings,
                services.engine,
                services.pages.paths,
                body,
                subscriber,
                admin_pages=services.pages.admin_paths,
            )
        except SubscriptionError as exc:
            details = [{"row": 0, "field": field, "message": message} for field, message in exc.problems]
            raise ApiError(422, f"the report was not saved: {exc}", details) from None
        return jsonify(subscription_json(saved)), 201

    @api.get("/reports/<name>")
    def show(name: str) -> Response:
        return jsonify(visible(name, _subscriber()))

    @api.delete("/reports/<name>")
    def delete(name: str) -> tuple[str, int]:
        subscriber = _subscriber()
        if name in file_reports() and store.find(services.engine, name) is None:
            raise ApiError(409, f"{name!r} comes from the reports file; change it there")
        try:
            store.delete(services.engine, name, subscriber)
        except store.NotFound:
            raise ApiError(404, f"no report named {name!r} that you may see") from None
        return "", 204

    @api.post("/reports/<name>/run")
    def run(name: str) -> tuple[Response, int]:
        subscriber = _subscriber()
        visible(name, subscriber)
        run_id = history.create(services.engine, name, "page", status="queued")
        audit.record(services.engine, "report.run_now", name, actor=subscriber.name, run_id=run_id)
        start_run(services.settings, services.engine, name, run_id)
        return jsonify({"run_id": run_id, "report": name, "status": "queued"}), 202

    @api.get("/reports/<name>/runs")
    def runs(name: str) -> Response:
        visible(name, _subscriber())
        limit = request.args.get("limit", str(HISTORY_LIMIT))
        if not limit.isdigit() or not 1 <= int(limit) <= 500:
            raise ApiError(400, "limit must be a whole number from 1 to 500")
        return jsonify(
            {"runs": [run_json(r) for r in history.recent(services.engine, int(limit), report=name)]}
        )

    return api
