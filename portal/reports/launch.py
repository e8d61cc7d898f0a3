"""Start a report run in its own process, so the web worker that asked is never blocked."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa

from portal.config import SETTINGS, Settings
from portal.reports import history

log = logging.getLogger(__name__)


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (set, frozenset)):  # group lists: names may hold spaces, commas separate them
        return ",".join(sorted(str(item) for item in value))
    if isinstance(value, (tuple, list)):
        return " ".join(str(item) for item in value)
    return str(value)


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment that makes a child ``portal`` load exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") or k.startswith("PORTAL_TEST_")}
    values = dataclasses.asdict(settings)
    for setting in SETTINGS:
        env[setting.env] = _env_value(values[setting.field])
    return env


def start_run(settings: Settings, engine: sa.Engine, report: str, run_id: int) -> subprocess.Popen:
    """``portal report run NAME --run-id ID --trigger page`` detached; it records its own progress."""
    log_dir = Path(settings.data_dir) / "reports" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"run-{run_id}.log"
    # The child starts where the server runs, so relative paths in the settings and the report
    # definitions mean the same files; -P keeps that directory from shadowing the portal's modules.
    command = [sys.executable, "-P", "-m", "portal.cli", "report", "run", report]
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [*command, "--trigger", "page", "--run-id", str(run_id)],
            env=settings_env(settings),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    threading.Thread(
        target=_reap, args=(process, engine, run_id, log_path), name=f"report-run-{run_id}", daemon=True
    ).start()
    return process


def _reap(process: subprocess.Popen, engine: sa.Engine, run_id: int, log_path: Path) -> None:
    """Wait for the child (no zombies); if it died before taking its run over, say so in the history."""
    code = process.wait()
    try:
        run = history.get(engine, run_id)
        if run is not None and run.status == "queued":
            last = log_path.read_text(errors="replace").strip().splitlines()[-1:] or [""]
            history.update(
                engine,
                run_id,
                status="failed",
                progress="",
                error=f"the run process exited with code {code} before starting: {last[0][:300]}",
            )
    except (sa.exc.SQLAlchemyError, OSError):
        log.exception("could not record the end of report run", extra={"run_id": run_id})
