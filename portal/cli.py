"""The ``portal`` command: serve, demo data, model administration, reports, alerts and tokens.

Each sub-command is a module of ``portal.commands`` that imports what it needs at its top; only
the one asked for is imported, so ``portal config`` does not wait for Dash and scikit-learn.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from portal.commands import CliError
from portal.config import ConfigError, Settings, load_settings
from portal.log import configure_logging
from portal.threads import cap_thread_env
from portal.web import tracing

log = logging.getLogger("portal.cli")
# Command name -> (module under portal.commands, one line for ``portal --help``), in help order.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("serve", "serve the portal with gunicorn on HOST:PORT"),
    "db": ("db", "database schema migrations"),
    "demo": ("demo", "build the demo churn data and models"),
    "models": ("models", "list, register and promote model versions"),
    "config": ("config", "show the effective settings (secrets hidden)"),
    "embed-url": ("embed_url", "print a signed, expiring URL that embeds one page"),
    "worker": ("worker", "run a Celery worker for batch jobs (needs PORTAL_CELERY_BROKER_URL)"),
    "report": ("report", "screenshot reports from PORTAL_REPORTS_FILE"),
    "alerts": ("alerts", "drift and live-performance alerts from PORTAL_REPORTS_FILE"),
    "tokens": ("tokens", "create, revoke and list API tokens"),
}


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """Every sub-command by name; the ``chosen`` one's module declares its own arguments."""
    parser = argparse.ArgumentParser(prog="portal", description="Analytics portal administration")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        command = sub.add_parser(name, help=summary)
        if name == chosen:
            importlib.import_module(f"portal.commands.{module}").configure(command)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (the first word that is not an option)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, load settings, dispatch; user errors exit 2 with one clear line and no traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    settings: Settings | None
    try:
        settings, problem = load_settings(), None
    except ConfigError as exc:
        settings, problem = None, exc
    # Before the command's module loads numpy or scikit-learn, whose pools size themselves on import.
    cap_thread_env(settings.native_threads if settings else 1)
    args = build_parser(chosen_command(argv)).parse_args(argv)
    if settings is None:
        sys.stderr.write(f"portal: configuration error: {problem}\n")
        return 2
    configure_logging(settings.log_level, "text", "stderr")
    tracing.install_provider(settings.tracing, settings.tracing_exporter)
    try:
        return int(args.handler(settings, args) or 0)
    except CliError as exc:
        sys.stderr.write(f"portal: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
