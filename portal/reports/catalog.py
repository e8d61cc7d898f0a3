"""The configured report definitions and alert rules, and when each runs next."""

from __future__ import annotations

import datetime as dt

from portal.alerts import rules
from portal.alerts.rules import AlertRule
from portal.config import Settings
from portal.reports.definitions import ReportDefinition, load_file


def page_paths() -> list[str]:
    """Paths a report may render: the portal's own pages."""
    from layouts import PAGES

    return [page.path for page in PAGES]


def load_reports(settings: Settings) -> dict[str, ReportDefinition]:
    """Definitions from ``PORTAL_REPORTS_FILE`` (none when unset); raises DefinitionError."""
    if not settings.reports_file:
        return {}
    return load_file(settings.reports_file, settings.report_origin, page_paths())


def load_alert_rules(settings: Settings) -> dict[str, AlertRule]:
    """Alert rules from the same file (none when unset); raises DefinitionError."""
    if not settings.reports_file:
        return {}
    return rules.load_file(settings.reports_file)


def next_run(report: ReportDefinition | AlertRule, now: dt.datetime | None = None) -> dt.datetime | None:
    """The next time a report's or rule's cron fires, in its own time zone; None when unscheduled."""
    if not report.schedule:
        return None
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(report.schedule, timezone=report.timezone)
    return trigger.get_next_fire_time(None, now or dt.datetime.now(dt.UTC))
