"""Cold starts and graceful reloads: a fresh server's first request, and latency while HUP swaps workers.

``BENCH_RELOAD_ROWS`` sets the demo size (default 200,000); ``BENCH_PORTAL_WARMUP=false`` runs the
same measurements with the warm-up switched off, for comparison.
"""

from __future__ import annotations

import os
import signal
import statistics
import threading
import time

import requests

from bench.harness import Result, demo_data_dir, portal_env, serve
from tests.api.test_predict_api import reference_records
from tests.support.dash_requests import overview_summary_request

SUMMARY_REQUEST = overview_summary_request()
CLIENTS = 8
STEADY_SECONDS = 10.0
AFTER_HUP_SECONDS = 15.0


def _timed(send) -> float:
    started = time.perf_counter()
    send().raise_for_status()
    return (time.perf_counter() - started) * 1000


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values, default=float("nan"))


def _load(url: str, record: dict, seconds: float, on_start=None) -> tuple[list[tuple[float, float]], int]:
    """Mixed requests from CLIENTS sessions: (start time, latency ms) for each, and how many failed."""
    samples: list[tuple[float, float]] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    sends = [
        lambda s: s.post(f"{url}/_dash-update-component", json=SUMMARY_REQUEST, timeout=60),
        lambda s: s.post(f"{url}/api/v1/models/churn/predict", json={"records": [record]}, timeout=60),
        lambda s: s.get(f"{url}/api/v1/models", timeout=60),
    ]

    def client(index: int) -> None:
        session = requests.Session()
        turn = index
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                response = sends[turn % len(sends)](session)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
                session = requests.Session()
            elapsed = (time.monotonic() - started) * 1000
            with lock:
                if ok:
                    samples.append((started, elapsed))
                else:
                    failures[0] += 1
            turn += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    if on_start is not None:
        on_start()
    for thread in threads:
        thread.join()
    return samples, failures[0]


def run() -> list[Result]:
    rows = int(os.environ.get("BENCH_RELOAD_ROWS", "200000"))
    warmup = os.environ.get("BENCH_PORTAL_WARMUP", "true")
    data_dir = demo_data_dir(rows)
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    env = portal_env(data_dir, PORTAL_WORKERS="2", PORTAL_WARMUP=warmup)

    # Prime the shared caches (population file, figure summaries), as any running portal has them.
    primer = serve(env)
    try:
        _timed(
            lambda: requests.post(f"{primer.url}/_dash-update-component", json=SUMMARY_REQUEST, timeout=300)
        )
    finally:
        primer.stop()

    server = serve(env)
    try:
        url = server.url
        summary = lambda: requests.post(f"{url}/_dash-update-component", json=SUMMARY_REQUEST, timeout=300)  # noqa: E731
        first = _timed(summary)
        warm = statistics.median(_timed(summary) for _ in range(7))

        steady, _ = _load(url, record, STEADY_SECONDS)
        hup_at = [0.0]

        def reload_soon() -> None:
            time.sleep(3.0)
            hup_at[0] = time.monotonic()
            os.kill(server.process.pid, signal.SIGHUP)

        during, failed = _load(url, record, 3.0 + AFTER_HUP_SECONDS, reload_soon)
        after_hup = [latency for started, latency in during if started >= hup_at[0]]
    finally:
        server.stop()
    suffix = "" if warmup == "true" else " (warm-up off)"
    return [
        Result(
            f"first Overview summary on a fresh server vs warm, {rows:,} rows{suffix}",
            first,
            warm,
            "ms",
            False,
        ),
        Result(
            f"p95 latency in the {AFTER_HUP_SECONDS:.0f} s after a HUP vs steady, {CLIENTS} clients{suffix} "
            f"({failed} failed requests)",
            _p95(after_hup),
            _p95([latency for _, latency in steady]),
            "ms",
            False,
        ),
    ]
