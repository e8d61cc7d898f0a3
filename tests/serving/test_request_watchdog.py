"""No request outlives PORTAL_WORKER_TIMEOUT, even in a gthread worker's request thread."""

from __future__ import annotations

import time

import pytest
import requests

from portal.web.watchdog import RequestWatchdog
from tests.conftest import base_env
from tests.support.servers import start_gunicorn


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wdg001_an_overdue_request_stops_the_worker_and_is_named() -> None:
    clock, kills = Clock(), []
    watchdog = RequestWatchdog(10, kill=lambda: kills.append(1), clock=clock)
    watchdog.started("/api/v1/models/churn/predict", "req-1")
    clock.now += 9.5
    assert watchdog.check() is False
    clock.now += 1
    assert watchdog.overdue().request_id == "req-1"
    assert watchdog.check() is True and kills == [1]


def test_wdg002_finished_requests_and_granted_time_do_not_count() -> None:
    clock, kills = Clock(), []
    watchdog = RequestWatchdog(10, kill=lambda: kills.append(1), clock=clock)
    watchdog.started("/batch/upload", None)
    watchdog.allow_more(200)
    clock.now += 100
    assert watchdog.check() is False
    watchdog.finished()
    clock.now += 1000
    assert watchdog.check() is False and kills == []


@pytest.mark.gunicorn
def test_wdg003_gunicorn_replaces_a_worker_whose_request_computes_past_the_timeout(data_dir) -> None:
    env = base_env(data_dir, PORTAL_WORKERS="1", PORTAL_WORKER_TIMEOUT="5", PORTAL_LOG_LEVEL="info")
    server = start_gunicorn(env, extra_args=("tests.support.slow_wsgi:server",))
    try:
        assert requests.get(f"{server.url}/__test/compute?seconds=0.2", timeout=10).status_code == 200
        started = time.monotonic()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/__test/compute?seconds=60", timeout=60)
        stopped_after = time.monotonic() - started
        assert stopped_after < 15, f"the stuck request lived {stopped_after:.0f} s against a 5 s timeout"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            pytest.fail("no worker came back after the stuck one was stopped")
        assert "request ran past the worker timeout" in server.log()
        assert "/__test/compute" in server.log()
    finally:
        server.stop()
