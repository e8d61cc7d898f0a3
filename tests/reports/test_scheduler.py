"""`portal report schedule`: cron jobs that never overlap, coalesce missed runs and stop on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from portal.db.engine import create_engine
from portal.reports import history
from portal.reports.definitions import PageSpec, ReportDefinition
from portal.reports.locks import report_lock
from portal.reports.runner import run_report
from portal.scheduler.jobs import build_scheduler
from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT

REPORT = ReportDefinition(
    "nightly", "Nightly", (PageSpec("/overview"),), schedule="0 2 * * *", timezone="Europe/Berlin"
)


def test_sch001_jobs_never_overlap_and_coalesce(make_settings) -> None:
    settings = make_settings()
    unscheduled = ReportDefinition("adhoc", "Ad hoc", (PageSpec("/"),))
    scheduler = build_scheduler(settings, None, {"nightly": REPORT, "adhoc": unscheduled})
    [job] = scheduler.get_jobs()
    assert job.id == "nightly"
    assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time >= 60
    assert str(job.trigger.timezone) == "Europe/Berlin"
    assert "hour='2'" in str(job.trigger) and "minute='0'" in str(job.trigger)


def test_sch002_a_report_already_running_elsewhere_is_not_run_again(make_settings, data_dir: Path) -> None:
    settings = make_settings()
    engine = create_engine(settings.sqlalchemy_url)
    try:
        with report_lock(settings.data_dir, "nightly"):
            outcome = run_report(settings, engine, REPORT, "schedule")
        assert not outcome.ok and outcome.error == "another run of report 'nightly' is in progress"
        run = history.get(engine, outcome.run_id)
        assert run.status == "failed" and run.trigger == "schedule"
    finally:
        engine.dispose()


def test_sch003_runs_left_by_a_dead_process_are_marked_interrupted(make_settings, tmp_path: Path) -> None:
    settings = make_settings(PORTAL_CHROMIUM_PATH=str(tmp_path / "no-chromium"), PORTAL_REPORT_TRIES="1")
    engine = create_engine(settings.sqlalchemy_url)
    try:
        orphan = history.create(engine, "nightly", "schedule")
        outcome = run_report(settings, engine, REPORT, "cli")
        assert history.get(engine, orphan).error == "interrupted: the process running it stopped"
        assert "no Chromium at" in outcome.error and "failed after 1 try" in outcome.error
    finally:
        engine.dispose()


@pytest.mark.slow
def test_sch004_sigterm_stops_the_scheduler_cleanly(data_dir: Path) -> None:
    file = data_dir / "reports.yaml"
    file.write_text(
        yaml.safe_dump({"reports": [{"name": "nightly", "pages": ["/"], "schedule": "0 2 * * *"}]})
    )
    env = base_env(data_dir, PORTAL_REPORTS_FILE=str(file), PORTAL_LOG_LEVEL="info")
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "report", "schedule"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "report scheduler started" in line or not line:
                break
        assert any("report scheduler started" in line for line in lines), lines
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "report scheduler stopping" in output and "report scheduler stopped" in output
    assert "Traceback" not in output


def test_sch005_schedule_without_any_scheduled_report_is_refused(data_dir: Path) -> None:
    file = data_dir / "reports.yaml"
    file.write_text(yaml.safe_dump({"reports": [{"name": "adhoc", "pages": ["/"]}]}))
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "report", "schedule"],
        cwd=PROJECT_ROOT,
        env=base_env(data_dir, PORTAL_REPORTS_FILE=str(file)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "portal: no report or alert rule in PORTAL_REPORTS_FILE has a schedule"


@pytest.mark.postgres
def test_sch006_postgres_advisory_lock_guards_other_hosts(postgres_database_url: str, make_settings) -> None:
    """A run holding the lock in another process (another pod) is seen through the shared database."""
    import sqlalchemy as sa

    from portal.db import migrate
    from portal.reports.locks import advisory_key

    settings = make_settings(PORTAL_DATABASE_URL=postgres_database_url)
    engine = create_engine(postgres_database_url)
    other_host = create_engine(postgres_database_url)
    try:
        migrate.upgrade(engine)
        with other_host.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": advisory_key("nightly")})
            outcome = run_report(settings, engine, REPORT, "schedule")
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": advisory_key("nightly")})
        assert outcome.error == "another run of report 'nightly' is in progress"
        with report_lock(settings.data_dir, "nightly", engine):
            pass  # released by the other host, the lock is free again
    finally:
        engine.dispose()
        other_host.dispose()
