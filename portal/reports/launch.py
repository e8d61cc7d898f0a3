"""Start a report run in its own process, so the web worker that asked is never blocked."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from pathlib import Path

from portal.config import SETTINGS, Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment that makes a child ``portal`` load exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") or k.startswith("PORTAL_TEST_")}
    values = dataclasses.asdict(settings)
    for setting in SETTINGS:
        value = values[setting.field]
        env[setting.env] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return env


def start_run(settings: Settings, report: str, run_id: int) -> subprocess.Popen:
    """``portal report run NAME --run-id ID --trigger page`` detached; it records its own progress."""
    log_dir = Path(settings.data_dir) / "reports" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"run-{run_id}.log").open("ab") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portal.cli",
                "report",
                "run",
                report,
                "--trigger",
                "page",
                "--run-id",
                str(run_id),
            ],
            cwd=PROJECT_ROOT,
            env=settings_env(settings),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # Reap the child when it ends, so a long-lived web worker does not collect zombies.
    threading.Thread(target=process.wait, name=f"report-run-{run_id}", daemon=True).start()
    return process
