"""``portal serve``: run gunicorn with the project's gunicorn.conf.py."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from portal.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Replace this process with gunicorn, so signals (HUP, TERM) reach it directly."""
    conf = PROJECT_ROOT / "gunicorn.conf.py"
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--config", str(conf)])
