"""Report outputs are removed after PORTAL_REPORT_RETENTION_DAYS; the run stays, saying so."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from portal.config import load_settings
from portal.db.engine import create_engine
from portal.reports import history, retention
from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT


def _run_with_file(settings, engine, started: dt.datetime) -> int:
    run_id = history.create(engine, "weekly", "cli")
    folder = history.runs_dir(settings.data_dir) / str(run_id)
    folder.mkdir(parents=True)
    (folder / "weekly-1.png").write_bytes(b"\x89PNG")
    history.update(engine, run_id, status="succeeded", outputs=["weekly-1.png"], started_at=started)
    return run_id


def test_ret001_old_outputs_are_removed_recent_ones_kept(data_dir) -> None:
    settings = load_settings(base_env(data_dir, PORTAL_REPORT_RETENTION_DAYS="30"))
    engine = create_engine(settings.sqlalchemy_url)
    now = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    old = _run_with_file(settings, engine, now - dt.timedelta(days=31))
    recent = _run_with_file(settings, engine, now - dt.timedelta(days=29))
    assert retention.sweep(settings, engine, now) == 1
    assert not (history.runs_dir(settings.data_dir) / str(old)).exists()
    swept = history.get(engine, old)
    assert swept.outputs == [] and swept.status == "succeeded"
    assert swept.progress == "files removed after 30 days (PORTAL_REPORT_RETENTION_DAYS)"
    assert history.get(engine, recent).outputs == ["weekly-1.png"]
    assert (history.runs_dir(settings.data_dir) / str(recent) / "weekly-1.png").is_file()
    assert retention.sweep(settings, engine, now) == 0, "a second sweep has nothing left to do"
    engine.dispose()


def test_ret002_the_scheduler_tick_sweeps_at_the_time_it_is_given(data_dir) -> None:
    env = base_env(data_dir, PORTAL_REPORT_RETENTION_DAYS="7")
    settings = load_settings(env)
    engine = create_engine(settings.sqlalchemy_url)
    run_id = _run_with_file(settings, engine, dt.datetime(2027, 5, 1, tzinfo=dt.UTC))
    early = subprocess.run(
        [sys.executable, "-m", "portal.cli", "report", "tick", "--at", "2027-05-07T00:00:00Z"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert early.returncode == 0, early.stderr
    assert history.get(engine, run_id).outputs == ["weekly-1.png"]
    late = subprocess.run(
        [sys.executable, "-m", "portal.cli", "report", "tick", "--at", "2027-05-09T00:00:00Z"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert late.returncode == 0, late.stderr
    assert history.get(engine, run_id).outputs == []
    assert not (history.runs_dir(settings.data_dir) / str(run_id)).exists()
    engine.dispose()
