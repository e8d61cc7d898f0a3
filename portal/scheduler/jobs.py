"""``portal report schedule``: APScheduler runs every scheduled report and alert check on its cron.

``max_instances=1`` stops overlap inside this process and the report's file lock stops it across
processes (a second scheduler, a cron job, the page's "Run now"); missed runs are coalesced.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from models.registry import ModelRegistry
from portal.alerts.check import check_rule
from portal.alerts.rules import AlertRule
from portal.config import Settings
from portal.reports.definitions import ReportDefinition
from portal.reports.runner import run_report

log = logging.getLogger(__name__)
# A run missed while the previous one was still going (or the host slept) still happens once,
# if it is at most this late.
MISFIRE_GRACE_SECONDS = 3600


def build_scheduler(
    settings: Settings,
    engine: sa.Engine,
    reports: Mapping[str, ReportDefinition],
    rules: Mapping[str, AlertRule] | None = None,
):
    """A started-later BackgroundScheduler with one cron job per scheduled report and alert rule."""
    scheduler = BackgroundScheduler(timezone="UTC")
    for report in reports.values():
        if not report.schedule:
            continue
        scheduler.add_job(
            _run_scheduled,
            CronTrigger.from_crontab(report.schedule, timezone=report.timezone),
            args=(settings, engine, report),
            id=report.name,
            name=f"report {report.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )
    registry = ModelRegistry(settings.models_path)
    for rule in (rules or {}).values():
        if not rule.schedule:
            continue
        scheduler.add_job(
            _check_scheduled,
            CronTrigger.from_crontab(rule.schedule, timezone=rule.timezone),
            args=(settings, engine, registry, rule),
            id=f"alert:{rule.name}",
            name=f"alert {rule.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )
    return scheduler


def _run_scheduled(settings: Settings, engine: sa.Engine, report: ReportDefinition) -> None:
    outcome = run_report(settings, engine, report, trigger="schedule")
    if not outcome.ok:
        log.error("scheduled report failed", extra={"report": report.name, "error": outcome.error})


def _check_scheduled(settings: Settings, engine: sa.Engine, registry: ModelRegistry, rule: AlertRule) -> None:
    outcome = check_rule(settings, engine, registry, rule)
    if not outcome.ok:
        failures = "; ".join(outcome.delivery_failures)
        log.error(
            "scheduled alert check failed", extra={"rule": rule.name, "error": outcome.error or failures}
        )


def serve(
    settings: Settings,
    engine: sa.Engine,
    reports: Mapping[str, ReportDefinition],
    rules: Mapping[str, AlertRule] | None = None,
) -> int:
    """Run until SIGTERM or SIGINT, then let running reports and checks finish and exit 0."""
    stop = threading.Event()
    scheduler = build_scheduler(settings, engine, reports, rules)

    def request_stop(signum: int, _frame: object) -> None:
        log.info("report scheduler stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("job scheduled", extra={"job": job.id, "next_run": str(job.next_run_time)})
        log.info("report scheduler started", extra={"jobs": len(scheduler.get_jobs())})
        while not stop.wait(1.0):
            pass
        scheduler.shutdown(wait=True)
        log.info("report scheduler stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
