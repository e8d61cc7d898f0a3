"""``portal alerts``: list the rules (the file's and the pages'), recent alerts, or check the rules now."""

from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from models.registry import ModelRegistry
from portal.alerts import rule_store, store
from portal.alerts.check import check_rule
from portal.alerts.rules import AlertRule
from portal.commands import CliError
from portal.commands.ready import ready_engine
from portal.config import Settings
from portal.reports.fields import DefinitionError, next_run


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    actions.add_parser("rules", help="the rules and their next check times").set_defaults(handler=list_rules)
    check = actions.add_parser("check", help="check rules now; raise, deliver and resolve alerts")
    check.add_argument("names", nargs="*", metavar="NAME", help="rules to check (default: all)")
    check.set_defaults(handler=check_now)
    shown = actions.add_parser("list", help="recent alerts, newest first")
    shown.add_argument("--model", help="only alerts of this model")
    shown.add_argument("--open", action="store_true", help="only alerts that are still open")
    shown.add_argument("--limit", type=_limit, default=50, help="at most this many (1 to 1000, default 50)")
    shown.set_defaults(handler=list_alerts)


def _limit(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError("expected 1 to 1000")
    return value


def _rules(settings: Settings, engine: sa.Engine) -> dict[str, AlertRule]:
    """The file's rules and the enabled rules made from pages."""
    try:
        return rule_store.all_rules(settings, engine)
    except DefinitionError as exc:
        raise CliError(str(exc)) from None


def list_rules(settings: Settings, args: argparse.Namespace) -> int:
    with ready_engine(settings) as engine:
        rules = _rules(settings, engine)
    for rule in rules.values():
        upcoming = next_run(rule)
        when = f"next {upcoming.isoformat(timespec='minutes')}" if upcoming else "not scheduled"
        sys.stdout.write(
            f"{rule.name}\t{rule.model}\t{rule.window}\t{'; '.join(rule.watches())}\t{when}\t{rule.source}\n"
        )
    return 0


def check_now(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when every rule was checked and every notice delivered, firing or not; 1 otherwise."""
    failed = 0
    registry = ModelRegistry(settings.models_path)
    with ready_engine(settings) as engine:
        rules = _rules(settings, engine)
        unknown = [name for name in args.names if name not in rules]
        if unknown:
            raise CliError(
                f"no alert rule named {', '.join(map(repr, unknown))}; defined: {', '.join(rules) or 'none'}"
            )
        if not rules:
            raise CliError(
                "no alert rules: add an 'alerts' list to PORTAL_REPORTS_FILE, or make one from the "
                "Drift or Performance page"
            )
        chosen = [rules[name] for name in args.names] if args.names else list(rules.values())
        for rule in chosen:
            outcome = check_rule(settings, engine, registry, rule)
            for finding in outcome.findings:
                state = {True: "FIRING", False: "ok", None: "undecided"}[finding.firing]
                sys.stdout.write(f"{rule.name}\t{finding.kind}\t{state}\t{finding.summary}\n")
            for alert_id in outcome.raised:
                sys.stdout.write(f"{rule.name}\traised alert {alert_id}\n")
            for alert_id in outcome.resolved:
                sys.stdout.write(f"{rule.name}\tresolved alert {alert_id}\n")
            if outcome.error:
                sys.stderr.write(f"portal: alert {rule.name!r} was not checked: {outcome.error}\n")
            for failure in outcome.delivery_failures:
                sys.stderr.write(f"portal: alert {rule.name!r} delivery failed: {failure}\n")
            failed += not outcome.ok
    return 1 if failed else 0


def list_alerts(settings: Settings, args: argparse.Namespace) -> int:
    with ready_engine(settings) as engine:
        found = store.listed(engine, args.model, store.OPEN if args.open else None, args.limit)
    for alert in found:
        raised = alert.raised_at.isoformat(timespec="minutes")
        sys.stdout.write(
            f"{alert.id}\t{alert.status}\t{raised}\t{alert.rule}\t{alert.model_name} v{alert.model_version}"
            f"\t{alert.summary}\n"
        )
    return 0
