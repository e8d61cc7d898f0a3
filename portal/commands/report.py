"""``portal report``: list the definitions, run one now, or keep running them on their schedules."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from concurrent.futures import wait

import sqlalchemy as sa

import layouts
from models.registry import ModelRegistry
from portal.alerts.rules import load_rules
from portal.commands import CliError
from portal.commands.ready import ready_engine
from portal.config import Settings
from portal.db.engine import create_engine
from portal.reports import history
from portal.reports import store as subscription_store
from portal.reports.definitions import ReportDefinition, load_reports
from portal.reports.fields import DefinitionError, next_run
from portal.reports.history import TRIGGERS
from portal.reports.runner import run_report
from portal.scheduler.service import build_scheduler, run_until_signalled
from portal.scheduler.status import scheduler_state


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
    tick = actions.add_parser("tick", help="run what is due once, then exit (cron; --at for tests)")
    tick.add_argument(
        "--at",
        type=_moment,
        default=None,
        metavar="TIME",
        help="decide what is due as if the clock read TIME (ISO 8601 with a zone, e.g. 2026-12-08T07:00Z)",
    )
    tick.set_defaults(handler=tick_once)
    actions.add_parser(
        "status", help="the scheduler's state: instances, leader, next run, missed runs (JSON)"
    ).set_defaults(handler=show_status)


def _moment(raw: str) -> dt.datetime:
    """An ISO 8601 time with its zone, as UTC: without a zone it would mean another moment per host."""
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw!r} is not an ISO 8601 time such as 2026-12-08T07:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{raw!r} has no time zone; add one, e.g. {raw.strip()}Z or +01:00")
    return value.astimezone(dt.UTC)


def _reports(settings: Settings) -> dict[str, ReportDefinition]:
    if not settings.reports_file:
        raise CliError("PORTAL_REPORTS_FILE is not set: point it at a YAML file of report definitions")
    try:
        return load_reports(settings, layouts.page_index().paths)
    except DefinitionError as exc:
        raise CliError(str(exc)) from None


def _all_reports(settings: Settings, engine: sa.Engine) -> dict[str, ReportDefinition]:
    """The file's reports (when a file is set) and every subscription, by name."""
    found = _reports(settings) if settings.reports_file else {}
    try:
        subscriptions = subscription_store.listing(engine)
    except sa.exc.SQLAlchemyError as exc:
        if not settings.reports_file:
            raise CliError(
                f"the report subscriptions cannot be read ({type(exc).__name__}): run `portal db upgrade`"
            ) from None
        subscriptions = []
    for subscription in subscriptions:
        found.setdefault(subscription.name, subscription.definition())
    return found


def list_reports(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.sqlalchemy_url)
    try:
        reports = _all_reports(settings, engine)
    finally:
        engine.dispose()
    for report in reports.values():
        upcoming = next_run(report)
        when = f"next {upcoming.isoformat(timespec='minutes')}" if upcoming else "not scheduled"
        schedule = f"'{report.schedule}' {report.timezone}" if report.schedule else "-"
        shape = f"{report.format}, {len(report.pages)} page(s)"
        sys.stdout.write(f"{report.name}\t{report.title}\t{shape}\t{schedule}\t{when}\n")
    return 0


def run_once(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 only when every page rendered, passed the checks and every delivery went through."""
    engine = create_engine(settings.sqlalchemy_url)
    try:
        reports = _all_reports(settings, engine)
        if args.name not in reports:
            raise CliError(f"no report named {args.name!r}; defined: {', '.join(reports) or 'none'}")
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


def _check_definitions(settings: Settings) -> None:
    """Refuse to start on a reports file with mistakes; once running, a bad edit is reported, not fatal."""
    if settings.reports_file:
        _reports(settings)
    try:
        load_rules(settings)
    except DefinitionError as exc:
        raise CliError(str(exc)) from None


def schedule(settings: Settings, args: argparse.Namespace) -> int:
    """Long-running: with no scheduled job yet it idles, picking up definitions as they appear."""
    _check_definitions(settings)
    with ready_engine(settings) as engine:
        scheduler = build_scheduler(
            settings, engine, ModelRegistry(settings.models_path), layouts.page_index().paths, role="schedule"
        )
        return run_until_signalled(scheduler)


def tick_once(settings: Settings, args: argparse.Namespace) -> int:
    """One tick, waiting for what it started; exit 1 when a due run failed (a skip is not a failure)."""
    _check_definitions(settings)
    with ready_engine(settings) as engine:
        scheduler = build_scheduler(
            settings, engine, ModelRegistry(settings.models_path), layouts.page_index().paths, role="tick"
        )
        try:
            futures = scheduler.tick(at=args.at)
            wait(futures)
        finally:
            scheduler.close()
        attempts = sorted((future.result() for future in futures), key=lambda attempt: attempt.job)
    for attempt in attempts:
        outcome = "ok" if attempt.ok else "failed"
        sys.stdout.write(f"{attempt.job}\t{attempt.action}\t{outcome}\t{attempt.detail}\n")
    if not attempts:
        sys.stdout.write("nothing is due\n")
    return 0 if all(attempt.ok for attempt in attempts) else 1


def show_status(settings: Settings, args: argparse.Namespace) -> int:
    with ready_engine(settings) as engine:
        sys.stdout.write(json.dumps(scheduler_state(settings, engine), indent=2) + "\n")
    return 0
