"""The scheduler's state as /readyz and the Home page show it: leader, last tick, missed runs."""

from __future__ import annotations

import socket

from layouts import home
from portal.app import create_app
from portal.scheduler.jobs import JobResult, ScheduledJob
from portal.scheduler.loop import Scheduler, instance_for
from tests.scheduler.conftest import utc


class _OneJob:
    """A source with one job that records what it was asked to do."""

    name = "test source"
    origin = "test"

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.skipped: list[str] = []
        self.job = ScheduledJob(
            "report:daily",
            "report",
            "daily",
            "0 6 * * *",
            "UTC",
            lambda: self.ran.append("ran") or JobResult(True, "done"),
            self.skipped.append,
            self.name,
        )

    def stamp(self):
        return 1

    def load(self):
        return [self.job]


def _text(component) -> str:
    """Every string inside a Dash component tree."""
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if not isinstance(children, list):
        children = [children]
    return " ".join(_text(child) for child in children)


def test_sst001_readyz_and_home_show_the_leader_its_tick_and_a_missed_run(app, client) -> None:
    services = app.server.extensions["portal.services"]
    source = _OneJob()
    scheduler = Scheduler(services.settings, services.engine, [source], instance_for("schedule"))
    try:
        scheduler.tick(at=utc(2026, 3, 2, 5))
        [skip] = [future.result() for future in scheduler.tick(at=utc(2026, 3, 2, 8))]
    finally:
        scheduler.close()
    assert skip.action == "skipped" and source.skipped == [skip.detail] and source.ran == []

    ready = client.get("/readyz")
    assert ready.status_code == 200
    state = ready.get_json()["scheduler"]
    assert state["informational"] is True and state["here"] == "on"
    assert state["state"] == "not running", "the scheduler stopped: it recorded its stop"
    assert state["leader"] == {
        "instance": scheduler.instance.id,
        "host": socket.gethostname(),
        "pid": scheduler.instance.pid,
        "live": False,
        "job": "report:daily",
        "at": state["leader"]["at"],
        "status": "skipped",
    }
    assert state["last_tick"]["instance"] == scheduler.instance.id
    assert state["missed_runs"]["skipped"] == 1
    assert state["missed_runs"]["latest"] == [
        {"job": "report:daily", "scheduled_for": "2026-03-02T06:00:00+00:00", "reason": skip.detail}
    ]

    card = _text(home.scheduler_card(services))
    assert "not running" in card and "1 missed run(s) in 24 h" in card
    assert f"leader {socket.gethostname()} (pid {scheduler.instance.pid}), gone" in card


def test_sst002_an_unreachable_database_makes_the_state_unknown_not_a_500(make_settings) -> None:
    app = create_app(make_settings(PORTAL_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["failing"] == ["database"]
    assert response.get_json()["scheduler"] == {
        "informational": True,
        "here": "on",
        "state": "unknown",
        "error": "cannot read the scheduler's state: OperationalError",
    }
