"""Remove report outputs older than ``PORTAL_REPORT_RETENTION_DAYS``; the runs stay in the history.

The scheduler sweeps now and then (``portal report tick`` on its first tick), so disks do not fill up
with years of screenshots; a swept run says when its files were removed instead of offering a link.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import sqlalchemy as sa

from portal.config import Settings
from portal.db.report_runs import report_runs
from portal.reports import history

log = logging.getLogger(__name__)


def sweep(settings: Settings, engine: sa.Engine, now: dt.datetime) -> int:
    """Delete the files of runs that started before the retention window; returns how many runs."""
    cutoff = now - dt.timedelta(days=settings.report_retention_days)
    query = sa.select(report_runs.c.id, report_runs.c.outputs).where(
        report_runs.c.started_at < cutoff, report_runs.c.status.not_in(history.ACTIVE)
    )
    with engine.connect() as connection:
        rows = [(run_id, outputs) for run_id, outputs in connection.execute(query) if outputs]
    root = history.runs_dir(settings.data_dir)
    note = f"files removed after {settings.report_retention_days} days (PORTAL_REPORT_RETENTION_DAYS)"
    for run_id, _outputs in rows:
        shutil.rmtree(root / str(run_id), ignore_errors=True)
        history.update(engine, run_id, outputs=[], progress=note)
    if rows:
        log.info("report outputs removed", extra={"runs": len(rows), "older_than": cutoff.isoformat()})
    return len(rows)
