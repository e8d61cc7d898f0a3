"""``portal config``: check the current settings, or print the README's configuration table."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from portal.config import SETTINGS, Settings, markdown_table
from portal.config.secrets import shown

DECLARED = {setting.field: setting for setting in SETTINGS}


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
        setting = DECLARED.get(field.name)
        text = shown(setting, value) if setting is not None else value
        sys.stdout.write(f"{field.name} = {text}\n")
    return 0
