"""``portal worker``: a Celery worker that runs batch scoring jobs for the web workers.

It builds the same app as the web workers, so every Dash background callback is registered as
a Celery task under the same name, and it must share their data dir (uploads and results live
there) and their ``PORTAL_CELERY_BROKER_URL``.
"""

from __future__ import annotations

import argparse
import os

from portal.app import create_app
from portal.commands import CliError
from portal.config import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        help="jobs run at once, each in its own process (default: one per CPU core)",
    )
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Block running the worker until it is told to stop (TERM finishes running jobs first)."""
    if not settings.celery_broker_url:
        raise CliError(
            "portal worker needs PORTAL_CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1), "
            "set to the same value as for the web workers"
        )
    if args.concurrency < 0:
        raise CliError(f"--concurrency must be 1 or more (or 0 for one per core), not {args.concurrency}")
    app = create_app(settings)
    celery_app = app.server.extensions["portal.jobs"].handle
    concurrency = args.concurrency or os.cpu_count() or 1
    celery_app.worker_main(
        [
            "worker",
            "--loglevel",
            settings.log_level.upper(),
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
        ]
    )
    return 0
