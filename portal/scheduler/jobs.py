"""What the scheduler runs: a scheduled job is a key, a cron in a time zone, a run and a skip.

Reports and alert rules become jobs here, whatever their source (the reports file today, database
definitions later): the scheduler itself knows only :class:`ScheduledJob`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import sqlalchemy as sa

from models.registry import ModelRegistry
from portal.alerts import store as alert_store
from portal.alerts.check import check_rule
from portal.alerts.rules import AlertRule
from portal.config import Settings
from portal.reports import history
from portal.reports.definitions import ReportDefinition
from portal.reports.runner import run_report
from portal.reports.subscriptions import Subscription

log = logging.getLogger(__name__)
REPORT = "report"
ALERT = "alert"


@dataclasses.dataclass(frozen=True)
class JobResult:
    """How a run ended: ``ok``, and a line for the scheduler's record (a run id, an error)."""

    ok: bool
    detail: str


@dataclasses.dataclass(frozen=True)
class ScheduledJob:
    """One schedulable thing. ``key`` is unique across kinds and sources, e.g. ``report:churn-weekly``.

    ``run`` does the work and never raises for an expected failure (it returns ``ok=False``);
    ``skip`` records, in the kind's own history, a scheduled run that was not started and why.
    """

    key: str
    kind: str
    name: str
    schedule: str
    timezone: str
    run: Callable[[], JobResult] = dataclasses.field(compare=False, repr=False)
    skip: Callable[[str], None] = dataclasses.field(compare=False, repr=False)
    source: str = ""  # the source's name, for messages ("reports file /etc/portal/reports.yaml")
    origin: str = ""  # the source's kind ("file"); a scheduler retires only jobs of origins it reads

    @property
    def timing(self) -> tuple[str, str]:
        """What the stored next run was computed from; a change means it must be computed again."""
        return (self.schedule, self.timezone)


def job_key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def report_job(settings: Settings, engine: sa.Engine, report: ReportDefinition, source: str) -> ScheduledJob:
    """A scheduled report: a run renders and delivers it under its own lock; a skip is a history row."""
    if not report.schedule:
        raise ValueError(f"report {report.name!r} has no schedule")

    def run() -> JobResult:
        outcome = run_report(settings, engine, report, trigger="schedule")
        if not outcome.ok:
            log.error("scheduled report failed", extra={"report": report.name, "error": outcome.error})
            return JobResult(False, f"report run {outcome.run_id} failed: {outcome.error}")
        return JobResult(True, f"report run {outcome.run_id} succeeded")

    def skip(reason: str) -> None:
        history.record_skipped(engine, report.name, reason)

    return ScheduledJob(
        job_key(REPORT, report.name), REPORT, report.name, report.schedule, report.timezone, run, skip, source
    )


def subscription_job(
    settings: Settings, engine: sa.Engine, subscription: Subscription, source: str
) -> ScheduledJob:
    """A subscription's report job; with ``alert_open`` it sends only while its model has an open alert."""
    job = report_job(settings, engine, subscription.definition(), source)
    if subscription.condition != "alert_open" or not subscription.model:
        return job
    model = subscription.model

    def run() -> JobResult:
        if not alert_store.open_on_model(engine, model):
            reason = f"not sent: no alert on the model {model!r} is open"
            history.record_skipped(engine, subscription.name, reason)
            return JobResult(True, reason)
        return job.run()

    return dataclasses.replace(job, run=run)


def alert_job(
    settings: Settings, engine: sa.Engine, registry: ModelRegistry, rule: AlertRule, source: str
) -> ScheduledJob:
    """A scheduled alert check: raise, deliver and resolve; a skip lives in the scheduler's record."""
    if not rule.schedule:
        raise ValueError(f"alert rule {rule.name!r} has no schedule")

    def run() -> JobResult:
        outcome = check_rule(settings, engine, registry, rule)
        if not outcome.ok:
            error = outcome.error or "; ".join(outcome.delivery_failures)
            log.error("scheduled alert check failed", extra={"rule": rule.name, "error": error})
            return JobResult(False, f"alert check failed: {error}")
        return JobResult(True, f"alert check: {len(outcome.raised)} raised, {len(outcome.resolved)} resolved")

    def skip(reason: str) -> None:
        log.warning("scheduled alert check skipped", extra={"rule": rule.name, "reason": reason})

    return ScheduledJob(
        job_key(ALERT, rule.name), ALERT, rule.name, rule.schedule, rule.timezone, run, skip, source
    )
