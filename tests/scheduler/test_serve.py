"""`portal serve` runs the scheduler beside gunicorn, supervised by it, and stops it with gunicorn."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from portal.config import ConfigError, load_settings
from portal.db.scheduler import scheduler_instances
from tests.conftest import base_env
from tests.scheduler.conftest import (
    Records,
    hourly_report,
    portal_cli,
    sqlite_url,
    tick,
    write_definitions,
)
from tests.support.servers import (
    GunicornServer,
    child_pids,
    descendant_pids,
    dirty_arbiter_pids,
    start_gunicorn,
    worker_pids,
)

SERVE = ("-m", "portal.cli", "serve")


def wait_until(condition: Callable[[], object], seconds: float, what: str, server: GunicornServer) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} within {seconds} s:\n{server.log()[-4000:]}")


def scheduler_pid(master_pid: int) -> int | None:
    """The dirty worker that runs the scheduler: the dirty arbiter's child."""
    for arbiter in dirty_arbiter_pids(master_pid):
        children = child_pids(arbiter)
        if children:
            return min(children)
    return None


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop(server: GunicornServer, sig: signal.Signals) -> set[int]:
    """Signal the top process; return the processes below it that outlived it (none, if clean)."""
    below = descendant_pids(server.process.pid)
    server.process.send_signal(sig)
    assert server.process.wait(timeout=45) == 0, server.log()[-3000:]
    time.sleep(0.5)
    return {pid for pid in below if alive(pid)}


def seeded_env(data_dir: Path, deliver_to: Path, **extra: str) -> dict[str, str]:
    """A report whose run fell due this hour while no scheduler was running."""
    file = write_definitions(data_dir, [hourly_report([{"directory": str(deliver_to)}])])
    env = base_env(
        data_dir,
        PORTAL_REPORTS_FILE=str(file),
        PORTAL_SCHEDULER_GRACE_MINUTES="120",
        PORTAL_WORKERS="1",
        PORTAL_LOG_LEVEL="info",
        **extra,
    )
    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    assert tick(env, hour - dt.timedelta(seconds=30)).stdout == "nothing is due\n"
    return env


@pytest.mark.slow
def test_ssv001_portal_serve_runs_a_due_report_then_sigterm_stops_everything(data_dir: Path) -> None:
    out = data_dir / "delivered"
    server = start_gunicorn(seeded_env(data_dir, out), command=SERVE)
    try:
        records = Records(sqlite_url(data_dir))
        wait_until(
            lambda: any(run.status == "succeeded" for run in records.report_runs()),
            180,
            "the due report ran",
            server,
        )
        [run] = records.report_runs()
        assert run.trigger == "schedule" and run.report == "hourly"
        assert [path.suffix for path in out.iterdir()] == [".png"], "delivered to the directory"
        ready = requests.get(server.url + "/readyz", timeout=10)
        assert ready.status_code == 200
        scheduler = ready.json()["scheduler"]
        assert scheduler["state"] == "running" and scheduler["here"] == "on" and scheduler["informational"]
        pid = scheduler_pid(server.process.pid)
        assert scheduler["leader"]["pid"] == pid and scheduler["leader"]["job"] == "report:hourly"
        assert scheduler["missed_runs"]["caught_up"] == 1
        assert len(worker_pids(server.process.pid)) == 1, "the scheduler is not one of the HTTP workers"
        assert stop(server, signal.SIGTERM) == set(), "no process outlives gunicorn"
    finally:
        server.stop()
    [instance] = [row for row in records.rows(scheduler_instances, "instance") if row.role == "gunicorn"]
    assert instance.pid == pid and instance.stopped_at is not None, "the scheduler recorded its clean stop"
    assert "scheduler stopped" in server.log() and "Traceback" not in server.log()


@pytest.mark.slow
def test_ssv002_gunicorn_respawns_a_killed_scheduler_keeps_it_over_a_hup_and_sigint_stops_it(
    data_dir: Path,
) -> None:
    server = start_gunicorn(base_env(data_dir, PORTAL_WORKERS="1", PORTAL_LOG_LEVEL="info"), command=SERVE)
    try:
        records = Records(sqlite_url(data_dir))

        def live_instances() -> set[int]:
            state = requests.get(server.url + "/readyz", timeout=10).json()["scheduler"]
            return {item["pid"] for item in state["instances"] if item["live"]}

        first = wait_until(lambda: scheduler_pid(server.process.pid), 30, "a scheduler process", server)
        wait_until(lambda: first in live_instances(), 30, "the scheduler ticking", server)
        os.kill(first, signal.SIGKILL)
        second = wait_until(
            lambda: (pid := scheduler_pid(server.process.pid)) not in (None, first) and pid,
            30,
            "gunicorn respawning the scheduler",
            server,
        )
        wait_until(lambda: second in live_instances(), 30, "the new scheduler ticking", server)

        os.kill(server.process.pid, signal.SIGHUP)
        time.sleep(8)
        assert scheduler_pid(server.process.pid) == second, "a reload keeps the running scheduler"
        assert second in live_instances()
        assert stop(server, signal.SIGINT) == set(), "Ctrl-C stops gunicorn and the scheduler together"
    finally:
        server.stop()
    pids = {row.pid for row in records.rows(scheduler_instances, "instance")}
    assert {first, second} <= pids


def test_ssv003_scheduler_off_starts_none_and_readiness_says_so(data_dir: Path) -> None:
    env = seeded_env(data_dir, data_dir / "delivered", PORTAL_SCHEDULER="off")
    server = start_gunicorn(env, command=SERVE)
    try:
        time.sleep(12)  # two ticks' worth: a scheduler, had one started, would have run the due report
        assert dirty_arbiter_pids(server.process.pid) == set()
        assert child_pids(server.process.pid) == worker_pids(server.process.pid)
        ready = requests.get(server.url + "/readyz", timeout=10)
        assert ready.status_code == 200, "a scheduler that is off never fails readiness"
        scheduler = ready.json()["scheduler"]
        assert scheduler["here"] == "off" and scheduler["state"] == "not running"
        assert scheduler["jobs"]["scheduled"] == 1 and scheduler["leader"] is None
        assert Records(sqlite_url(data_dir)).report_runs() == []
        assert "dirty" not in server.log().lower()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORTAL_SCHEDULER", "sometimes", "expected one of true/false, yes/no, on/off, 1/0"),
        ("PORTAL_SCHEDULER_GRACE_MINUTES", "0", "expected a whole number between 1 and 10080"),
        ("PORTAL_SCHEDULER_GRACE_MINUTES", "an hour", "expected a whole number"),
        ("PORTAL_SCHEDULER_GRACE_MINUTES", "10081", "expected a whole number between 1 and 10080"),
    ],
)
def test_ssv004_bad_scheduler_settings_are_refused_by_name(
    data_dir: Path, name: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(base_env(data_dir, **{name: value}))
    assert str(refused.value) == f"{name}={value!r} is invalid: {expected}"
    result = portal_cli(base_env(data_dir, **{name: value}), "serve", timeout=60)
    assert result.returncode == 2
    assert result.stderr == f"portal: configuration error: {name}={value!r} is invalid: {expected}\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tomorrow", "'tomorrow' is not an ISO 8601 time such as 2026-12-08T07:00:00Z"),
        (
            "2026-12-08T07:00",
            "'2026-12-08T07:00' has no time zone; add one, e.g. 2026-12-08T07:00Z or +01:00",
        ),
    ],
)
def test_ssv005_a_bad_tick_time_is_refused_by_name(data_dir: Path, value: str, expected: str) -> None:
    result = portal_cli(base_env(data_dir), "report", "tick", "--at", value, timeout=60)
    assert result.returncode == 2
    assert f"argument --at: {expected}" in result.stderr
