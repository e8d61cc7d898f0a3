"""The portal under a real gunicorn: pages, health, thread caps, and HUP reload without loss."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from layouts import PAGES
from tests.support.servers import worker_pids

pytestmark = pytest.mark.gunicorn


def test_gun001_every_page_and_health_endpoint_answers(served) -> None:
    for page in PAGES:
        response = requests.get(served.url + page.path, timeout=10)
        assert response.status_code == 200, page.path
        assert "text/html" in response.headers["Content-Type"]
    assert requests.get(served.url + "/healthz", timeout=10).json() == {"status": "ok"}
    ready = requests.get(served.url + "/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert requests.get(served.url + "/definitely-not-a-page", timeout=10).status_code == 404


def test_gun002_workers_start_with_native_thread_pools_capped(served) -> None:
    pids = worker_pids(served.process.pid)
    assert pids, "no gunicorn workers found"
    for pid in pids:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"OMP_NUM_THREADS=1" in environ
        assert b"OPENBLAS_NUM_THREADS=1" in environ


def test_gun003_logs_are_json_with_request_ids(served) -> None:
    requests.get(served.url + "/healthz", headers={"X-Request-ID": "trace-me-123"}, timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "trace-me-123" not in served.log():
        time.sleep(0.1)
    line = next(line for line in served.log().splitlines() if "trace-me-123" in line)
    assert line.startswith("{") and '"request_id": "trace-me-123"' in line


def test_gun004_hup_reload_under_load_loses_no_request(served) -> None:
    before = worker_pids(served.process.pid)
    results: list[int | str] = []
    stop = threading.Event()

    def hammer() -> None:
        session = requests.Session()
        while not stop.is_set() and len(results) < 2000:
            try:
                results.append(session.get(served.url + "/healthz", timeout=10).status_code)
            except requests.RequestException as exc:
                results.append(type(exc).__name__)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    os.kill(served.process.pid, signal.SIGHUP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and worker_pids(served.process.pid) & before:
        time.sleep(0.2)
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    after = worker_pids(served.process.pid)
    assert after and not (after & before), "HUP did not replace the workers"
    failures = [r for r in results if r != 200]
    assert len(results) > 50
    assert failures == []


def test_gun005_metrics_report_capped_pools_and_cache_hits_across_workers(served) -> None:
    detail = requests.get(served.url + "/api/v1/models/churn", timeout=10).json()
    record = {
        f["name"]: (f["categories"][0] if f.get("categories") else f.get("min")) for f in detail["features"]
    }
    for _ in range(6):
        response = requests.post(
            served.url + "/api/v1/models/churn/predict", json={"records": [record]}, timeout=10
        )
        assert response.status_code == 200, response.text
    text = requests.get(served.url + "/metrics", timeout=10).text
    pools = [line for line in text.splitlines() if line.startswith("portal_native_threads{")]
    assert pools, text[:2000]
    assert all(line.endswith(" 1.0") for line in pools), pools
    hits = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('portal_cache_requests_total{purpose="inference",result="hit"}')
    ]
    assert hits and hits[0] >= 4
