"""``/reports/runs/<id>/files/<name>``: download a file a run recorded, and nothing else."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, send_file

from portal.reports import history, store
from portal.reports.access import current_subscriber
from portal.security.principal import current_principal
from portal.security.roles import Role
from portal.services import Services
from portal.web.errors import error_json


def create_reports_blueprint(services: Services) -> Blueprint:
    blueprint = Blueprint("reports", __name__, url_prefix="/reports/runs")

    @blueprint.get("/<int:run_id>/files/<name>")
    def download(run_id: int, name: str) -> Any:
        """Only names listed in the run's row are served, from that run's own folder."""
        try:
            run = history.get(services.engine, run_id)
        except sa.exc.SQLAlchemyError:
            return error_json(503, "the run history is not available; run `portal db upgrade`")
        if run is None or not may_download(run.report):
            return error_json(404, f"no report run {run_id}")
        if name not in run.outputs:
            return error_json(404, f"run {run_id} has no file {name!r}")
        folder = (history.runs_dir(services.settings.data_dir) / str(run_id)).resolve()
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            return error_json(404, f"the file {name!r} of run {run_id} is no longer stored")
        response = send_file(path, as_attachment=True, download_name=name, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def may_download(report: str) -> bool:
        """Admins download every run; anyone else only runs of their own subscriptions."""
        subscriber = current_subscriber()
        if subscriber is None:
            return current_principal() is not None and current_principal().has(Role.ADMIN)
        if subscriber.role >= Role.ADMIN:
            return True
        subscription = store.find(services.engine, report)
        return subscription is not None and subscription.owner == subscriber.name

    return blueprint
