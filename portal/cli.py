"""The ``portal`` command: serve, demo data, and model administration."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from portal.commands import (
    CliError,
    alerts,
    config,
    db,
    demo,
    embed_url,
    models,
    report,
    serve,
    tokens,
    worker,
)
from portal.config import ConfigError, load_settings

log = logging.getLogger("portal.cli")
COMMANDS = (serve, db, demo, models, config, embed_url, worker, report, alerts, tokens)


def build_parser() -> argparse.ArgumentParser:
    """All sub-commands; each module declares its own arguments."""
    parser = argparse.ArgumentParser(prog="portal", description="Analytics portal administration")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, load settings, dispatch; user errors exit 2 with one clear line and no traceback."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"portal: configuration error: {exc}\n")
        return 2
    from portal.log import configure_logging
    from portal.threads import cap_thread_env

    cap_thread_env(settings.native_threads)
    configure_logging(settings.log_level, "text", "stderr")
    try:
        return int(args.handler(settings, args) or 0)
    except CliError as exc:
        sys.stderr.write(f"portal: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
