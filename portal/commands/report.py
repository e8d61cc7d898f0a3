"""``portal report``: list the definitions, run one now, or keep running them on their schedules."""

from __future__ import annotations

import argparse
import sys

import layouts
from portal.alerts.rules import load_rules
from portal.commands import CliError
from portal.config import Settings
from portal.db.engine import create_engine
from portal.reports import history
from portal.reports.definitions import ReportDefinition, load_reports
from portal.reports.fields import DefinitionError, next_run
from portal.reports.history import TRIGGERS
from portal.reports.runner import run_report
from portal.scheduler import jobs as scheduler


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="the definitions and their next run times").set_defaults(
        handler=list_reports
    )
    run = actions.add_parser("run", help="render one report now and deliver it; non-zero exit on failure")
    run.add_argument("name")
    run.add_argument("--trigger", choices=TRIGGERS, default="cli", help=argparse.SUPPRESS)
    run.add_argument("--run-id", type=int, default=None, help=argparse.SUPPRESS)
    run.set_defaults(handler=run_once)
    actions.add_parser(
        "schedule", help="run every report and alert check on its cron schedule until SIGTERM"
    ).set_defaults(handler=schedule)


def _reports(settings: Settings) -> dict[str, ReportDefinition]:
    if not settings.reports_file:
        raise CliError("PORTAL_REPORTS_FILE is not set: point it at a YAML file of report definitions")
    try:
        return load_reports(settings, layouts.page_index().paths)
    except DefinitionError as exc:
        raise CliError(str(exc)) from None


def list_reports(settings: Settings, args: argparse.Namespace) -> int:
    for report in _reports(settings).values():
        upcoming = next_run(report)
        when = f"next {upcoming.isoformat(timespec='minutes')}" if upcoming else "not scheduled"
        schedule = f"'{report.schedule}' {report.timezone}" if report.schedule else "-"
        shape = f"{report.format}, {len(report.pages)} page(s)"
        sys.stdout.write(f"{report.name}\t{report.title}\t{shape}\t{schedule}\t{when}\n")
    return 0


def run_once(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 only when every page rendered, passed the checks and every delivery went through."""
    reports = _reports(settings)
    if args.name not in reports:
        raise CliError(f"no report named {args.name!r}; defined: {', '.join(reports) or 'none'}")
    engine = create_engine(settings.sqlalchemy_url)
    try:
        if args.run_id is not None and (history.get(engine, args.run_id) is None):
            raise CliError(f"no report run {args.run_id}")
        outcome = run_report(settings, engine, reports[args.name], args.trigger, run_id=args.run_id)
    finally:
        engine.dispose()
    if outcome.ok:
        for path in outcome.files:
            sys.stdout.write(f"{path}\n")
        return 0
    sys.stderr.write(f"portal: report {args.name!r} run {outcome.run_id} failed: {outcome.error}\n")
    return 1


def schedule(settings: Settings, args: argparse.Namespace) -> int:
    reports = _reports(settings)
    try:
        rules = load_rules(settings)
    except DefinitionError as exc:
        raise CliError(str(exc)) from None
    if not any(item.schedule for item in [*reports.values(), *rules.values()]):
        raise CliError("no report or alert rule in PORTAL_REPORTS_FILE has a schedule")
    engine = create_engine(settings.sqlalchemy_url)
    try:
        return scheduler.serve(settings, engine, reports, rules)
    finally:
        engine.dispose()
