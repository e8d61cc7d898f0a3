"""Surviving restarts: a missed run is caught up once within the grace time, skipped with a reason after.

Each `portal report tick --at` is a fresh process that knows only what the database remembers, so a
sequence of them is a scheduler restarted at those moments; reports really render against gunicorn.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml

from portal.config import load_settings
from portal.db.engine import create_engine
from portal.scheduler import state
from portal.scheduler.loop import Scheduler, instance_for
from portal.scheduler.sources import ReportsFileSource
from portal.scheduler.status import scheduler_state
from tests.conftest import base_env
from tests.scheduler.conftest import (
    Records,
    hourly_report,
    portal_cli,
    sqlite_url,
    tick,
    utc,
    write_definitions,
)
from tests.support.receivers import webhook_receiver


def test_scu001_a_missed_run_is_caught_up_exactly_once_then_skipped_beyond_the_grace_time(
    render_portal, data_dir: Path
) -> None:
    records = Records(sqlite_url(data_dir))
    with webhook_receiver() as hook:
        file = write_definitions(data_dir, [hourly_report([{"webhook": hook.url}])])
        env = base_env(
            data_dir,
            PORTAL_REPORTS_FILE=str(file),
            PORTAL_REPORT_BASE_URL=render_portal.url,
            PORTAL_SCHEDULER_GRACE_MINUTES="30",
            PORTAL_LOG_LEVEL="info",
        )
        first = tick(env, utc(2026, 3, 2, 10, 0, 30))
        assert (first.returncode, first.stdout) == (0, "nothing is due\n"), first.stderr

        # Down from 10:00:30 to 12:20: the 11:00 and 12:00 runs were missed; one run makes up for both.
        caught_up = tick(env, utc(2026, 3, 2, 12, 20))
        assert caught_up.returncode == 0, caught_up.stdout + caught_up.stderr
        [line] = caught_up.stdout.splitlines()
        assert line.startswith("report:hourly\tran\tok\treport run ") and line.endswith(" succeeded")
        assert "catching up a missed scheduled run" in caught_up.stderr
        assert len(hook.posts) == 1
        [fire] = records.fires()
        assert (fire.status, fire.coalesced, fire.late_seconds) == ("succeeded", 1, 1200.0)
        assert fire.scheduled_for.replace(tzinfo=dt.UTC) == utc(2026, 3, 2, 12)

        again = tick(env, utc(2026, 3, 2, 12, 21))
        assert again.stdout == "nothing is due\n" and len(hook.posts) == 1, "caught up once, not twice"

        # Down again until 15:45: the 15:00 run is 45 minutes late, past the 30-minute grace time.
        late = tick(env, utc(2026, 3, 2, 15, 45))
        assert late.returncode == 0, late.stderr
        job, action, outcome, reason = late.stdout.rstrip("\n").split("\t")
        assert (job, action, outcome) == ("report:hourly", "skipped", "ok")
        assert reason.startswith("missed: due at 2026-03-02 15:00 UTC (3 runs from 2026-03-02 13:00 UTC)")
        assert "45 min late is beyond the grace time of 30 min (PORTAL_SCHEDULER_GRACE_MINUTES)" in reason
        assert "scheduled run skipped" in late.stderr
        assert len(hook.posts) == 1, "a skipped run delivers nothing"
        history = records.report_runs()
        assert [(run.trigger, run.status) for run in history] == [
            ("schedule", "succeeded"),
            ("schedule", "skipped"),
        ]
        assert history[-1].error == reason

        on_time = tick(env, utc(2026, 3, 2, 16, 0, 5))
        assert on_time.stdout.startswith("report:hourly\tran\tok\t") and len(hook.posts) == 2

    status = json.loads(portal_cli(env, "report", "status").stdout)
    assert status["missed_runs"]["skipped"] == 1 and status["missed_runs"]["caught_up"] == 1
    assert status["missed_runs"]["latest"] == [
        {"job": "report:hourly", "scheduled_for": "2026-03-02T15:00:00+00:00", "reason": reason}
    ]
    assert status["jobs"] == {
        "scheduled": 1,
        "next": {"job": "report:hourly", "at": "2026-03-02T17:00:00+00:00"},
    }


def test_scu002_a_skipped_alert_check_is_recorded_with_its_reason(data_dir: Path) -> None:
    rule = {"name": "churn-watch", "model": "churn", "dataset_drift": True, "schedule": "0 6 * * *"}
    env = base_env(data_dir, PORTAL_REPORTS_FILE=str(write_definitions(data_dir, alerts=[rule])))
    assert tick(env, utc(2026, 3, 2, 5, 0)).stdout == "nothing is due\n"
    skipped = tick(env, utc(2026, 3, 2, 8, 0))
    assert skipped.returncode == 0, skipped.stderr
    assert skipped.stdout == (
        "alert:churn-watch\tskipped\tok\tmissed: due at 2026-03-02 06:00 UTC while no scheduler was running; "
        "120 min late is beyond the grace time of 60 min (PORTAL_SCHEDULER_GRACE_MINUTES)\n"
    )
    [fire] = Records(sqlite_url(data_dir)).fires()
    assert (fire.job, fire.status, fire.coalesced) == ("alert:churn-watch", "skipped", 0)
    assert fire.detail == skipped.stdout.split("\t")[3].rstrip("\n")


def test_scu003_definitions_added_changed_and_removed_are_picked_up_without_a_restart(data_dir: Path) -> None:
    def rule(name: str, schedule: str) -> dict:
        return {"name": name, "model": "churn", "dataset_drift": True, "schedule": schedule}

    file = write_definitions(data_dir, alerts=[rule("watch-a", "0 * * * *")])
    settings = load_settings(base_env(data_dir, PORTAL_REPORTS_FILE=str(file)))
    engine = create_engine(settings.sqlalchemy_url)
    source = ReportsFileSource(settings, engine, None, [])
    scheduler = Scheduler(settings, engine, [source], instance_for("schedule"))

    def next_runs() -> dict[str, dt.datetime | None]:
        return {key: state.utc(row.next_run_at) for key, row in state.job_rows(engine).items()}

    try:
        scheduler.tick(at=utc(2026, 3, 2, 10, 5))
        assert next_runs() == {"alert:watch-a": utc(2026, 3, 2, 11)}

        # A replica that does not read the file (none is set there) neither runs nor retires its jobs.
        elsewhere = Scheduler(settings, engine, [], instance_for("schedule"))
        try:
            assert elsewhere.tick(at=utc(2026, 3, 2, 11, 0, 1)) == []
        finally:
            elsewhere.close()
        assert next_runs() == {"alert:watch-a": utc(2026, 3, 2, 11)}

        write_definitions(data_dir, alerts=[rule("watch-a", "30 * * * *"), rule("watch-b", "0 12 * * *")])
        scheduler.tick(at=utc(2026, 3, 2, 10, 6))
        assert next_runs() == {"alert:watch-a": utc(2026, 3, 2, 10, 30), "alert:watch-b": utc(2026, 3, 2, 12)}

        write_definitions(data_dir, alerts=[rule("watch-b", "0 12 * * *")])
        scheduler.tick(at=utc(2026, 3, 2, 10, 7))
        assert next_runs() == {"alert:watch-a": None, "alert:watch-b": utc(2026, 3, 2, 12)}
        assert not state.job_rows(engine)["alert:watch-a"].active

        # A mistake saved into the file keeps the jobs it had and says what is wrong until it is fixed.
        file.write_text(yaml.safe_dump({"alerts": [rule("watch-b", "0 25 * * *")]}))
        scheduler.tick(at=utc(2026, 3, 2, 10, 8))
        assert next_runs()["alert:watch-b"] == utc(2026, 3, 2, 12)
        [problem] = scheduler_state(settings, engine)["problems"]
        assert problem.startswith(f"reports file {file}: alert 'watch-b': schedule: '0 25 * * *'")

        write_definitions(data_dir, alerts=[rule("watch-b", "0 13 * * *")])
        scheduler.tick(at=utc(2026, 3, 2, 10, 9))
        assert next_runs()["alert:watch-b"] == utc(2026, 3, 2, 13)
        assert scheduler_state(settings, engine)["problems"] == []
    finally:
        scheduler.close()
        engine.dispose()
