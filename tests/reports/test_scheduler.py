"""`portal report schedule`: report jobs that never overlap, and a process that stops on SIGTERM."""

from __future__ import annotations

import datetime as dt
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
from portal.scheduler.jobs import report_job
from portal.scheduler.timing import next_fire_after
from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT

REPORT = ReportDefinition(
    "nightly", "Nightly", (PageSpec("/overview"),), schedule="0 2 * * *", timezone="Europe/Berlin"
)


def test_sch001_a_scheduled_report_is_a_job_read_in_its_own_time_zone(make_settings) -> None:
    job = report_job(make_settings(), None, REPORT, "reports file")
    assert (job.key, job.kind, job.timing) == ("report:nightly", "report", ("0 2 * * *", "Europe/Berlin"))
    winter = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 10, 12, 0, tzinfo=dt.UTC)
    assert next_fire_after(*job.timing, winter) == dt.datetime(2026, 1, 11, 1, 0, tzinfo=dt.UTC)
    assert next_fire_after(*job.timing, summer) == dt.datetime(2026, 7, 11, 0, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="has no schedule"):
        report_job(make_settings(), None, ReportDefinition("adhoc", "Ad hoc", (PageSpec("/"),)), "file")


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
            if "scheduler started" in line or not line:
                break
        assert any("scheduler started" in line for line in lines), lines
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "scheduler stopping" in output and "scheduler stopped" in output
    assert "Traceback" not in output


def test_sch005_schedule_refuses_a_reports_file_with_mistakes_by_field(data_dir: Path) -> None:
    """A broken file stops the start; with no scheduled job at all it starts and waits for definitions."""
    file = data_dir / "reports.yaml"
    broken = {"name": "adhoc", "pages": ["/"], "schedule": "0 25 * * *"}
    file.write_text(yaml.safe_dump({"reports": [broken]}))
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "report", "schedule"],
        cwd=PROJECT_ROOT,
        env=base_env(data_dir, PORTAL_REPORTS_FILE=str(file)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("portal: report 'adhoc': schedule: '0 25 * * *' is not a valid cron")


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
