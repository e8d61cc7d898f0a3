"""``portal db``: apply or inspect the database schema migrations."""

from __future__ import annotations

import argparse
import sys

from portal.config import Settings
from portal.db import migrate
from portal.db.engine import create_engine


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply every pending migration (safe to repeat)").set_defaults(
        handler=upgrade
    )
    actions.add_parser("status", help="show the schema revision against the code's").set_defaults(
        handler=show_status
    )


def upgrade(settings: Settings, args: argparse.Namespace) -> int:
    sys.stdout.write(migrate.upgrade_url(settings.sqlalchemy_url).describe() + "\n")
    return 0


def show_status(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 1 when migrations are pending, so deploy scripts can gate on it."""
    engine = create_engine(settings.sqlalchemy_url)
    try:
        result = migrate.status(engine)
    finally:
        engine.dispose()
    sys.stdout.write(result.describe() + "\n")
    return 0 if result.up_to_date else 1
