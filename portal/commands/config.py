"""``portal config``: check the current settings, or print the README's configuration table."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from portal.config import Settings, markdown_table

SECRET_FIELDS = {"secret_key"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--markdown", action="store_true", help="print the configuration table")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Settings were already validated by loading them; show them or the documentation table."""
    if args.markdown:
        sys.stdout.write(markdown_table() + "\n")
        return 0
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        shown = "(set)" if field.name in SECRET_FIELDS else value
        sys.stdout.write(f"{field.name} = {shown}\n")
    return 0
