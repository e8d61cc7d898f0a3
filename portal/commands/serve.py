"""``portal serve``: run gunicorn with the settings module the package ships.

It works from any working directory and from an installed package: nothing is read from the
checkout's top level, and relative paths in the settings mean the directory it was started in,
as for every other ``portal`` command.
"""

from __future__ import annotations

import argparse
import os
import sys

from portal.config import Settings

GUNICORN_SETTINGS = "python:portal.web.gunicorn_conf"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(handler=run)


def command() -> list[str]:
    """The gunicorn command line; ``-P`` keeps the working directory off the front of ``sys.path``."""
    return [sys.executable, "-P", "-m", "gunicorn", "--config", GUNICORN_SETTINGS]


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Replace this process with gunicorn, so signals (HUP, TERM) reach it directly."""
    argv = command()
    os.execv(argv[0], argv)
