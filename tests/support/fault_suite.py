"""The fault suite: load on a real gunicorn while a worker dies, it reloads, and Redis and PostgreSQL fail.

``python -m bench resilience`` runs it in full and ``make test`` a shortened form. Each fault runs
under the same load of pages, callbacks and single- and 100-row API predictions; what comes back is
counted per fault (requests, 5xx, dropped connections, latency percentiles). At the end every
prediction id an API answer returned is looked up in the prediction log: none may be missing, and
none may be there twice. Private PostgreSQL and Redis servers are used, never the shared ones.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import statistics
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from tests.support.dash_requests import overview_summary_request
from tests.support.private_postgres import private_postgres
from tests.support.private_redis import PrivateRedis, private_redis_server
from tests.support.servers import GunicornServer, start_gunicorn, worker_pids

SUMMARY_REQUEST = overview_summary_request()


@dataclasses.dataclass(frozen=True)
class Durations:
    """How long each part runs, in seconds, and how many clients send requests."""

    clients: int = 16
    before: float = 5.0
    after: float = 10.0
    redis_frozen: float = 10.0
    redis_stopped: float = 20.0
    postgres_stopped: float = 20.0


FULL = Durations()
SHORT = Durations(clients=4, before=1.5, after=4.0, redis_frozen=2.0, redis_stopped=3.0, postgres_stopped=4.0)


@dataclasses.dataclass
class FaultReport:
    """What the clients saw while one fault happened."""

    fault: str
    requests: int
    server_errors: int
    dropped: int
    p50: float
    p95: float
    p99: float

    def line(self) -> str:
        return (
            f"{self.fault:<28} {self.requests:>6} requests  {self.server_errors:>3} 5xx  "
            f"{self.dropped:>3} dropped  p50 {self.p50:>7.1f} ms  p95 {self.p95:>7.1f} ms  "
            f"p99 {self.p99:>7.1f} ms"
        )


@dataclasses.dataclass
class SuiteResult:
    faults: list[FaultReport]
    answered_ids: int
    lost: list[str]
    duplicated: int
    logged_unanswered: int

    def lines(self) -> list[str]:
        return [report.line() for report in self.faults] + [
            f"log rows: {self.answered_ids:,} predictions answered, {len(self.lost)} lost, "
            f"{self.duplicated} duplicated, {self.logged_unanswered} logged for requests that got no answer"
        ]


@dataclasses.dataclass
class _Sample:
    started: float
    latency_ms: float
    status: int | None  # None: the connection dropped


class _Load:
    """Clients sending a fixed mix of requests until told to stop; samples and answered ids are kept."""

    def __init__(self, url: str, record: dict[str, Any], clients: int) -> None:
        self.url = url
        self.batch = [record] * 100
        self.record = record
        self.clients = clients
        self.samples: list[_Sample] = []
        self.ids: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _send(self, session: requests.Session, turn: int) -> requests.Response:
        kind = turn % 4
        if kind == 0:
            return session.get(f"{self.url}/overview?model=churn", timeout=60)
        if kind == 1:
            return session.post(f"{self.url}/_dash-update-component", json=SUMMARY_REQUEST, timeout=60)
        records = [self.record] if kind == 2 else self.batch
        return session.post(f"{self.url}/api/v1/models/churn/predict", json={"records": records}, timeout=60)

    def _client(self, index: int) -> None:
        session = requests.Session()
        turn = index
        while not self._stop.is_set():
            started = time.monotonic()
            status: int | None
            ids: list[str] = []
            try:
                response = self._send(session, turn)
                status = response.status_code
                if status == 200 and "/api/v1/" in response.url:
                    ids = [row["prediction_id"] for row in response.json()["predictions"]]
            except requests.RequestException:
                status = None
                session = requests.Session()
            sample = _Sample(started, (time.monotonic() - started) * 1000, status)
            with self._lock:
                self.samples.append(sample)
                self.ids.extend(ids)
            turn += 1

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=90)


def _report(fault: str, samples: list[_Sample]) -> FaultReport:
    latencies = sorted(s.latency_ms for s in samples if s.status is not None)

    def percentile(q: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return FaultReport(
        fault,
        len(samples),
        sum(1 for s in samples if s.status is not None and s.status >= 500),
        sum(1 for s in samples if s.status is None),
        statistics.median(latencies) if latencies else float("nan"),
        percentile(0.95),
        percentile(0.99),
    )


def _faults(
    server: GunicornServer, redis: PrivateRedis, postgres: Any, d: Durations
) -> list[tuple[str, Callable[[], None]]]:
    def kill_a_worker() -> None:
        os.kill(sorted(worker_pids(server.process.pid))[0], signal.SIGKILL)

    def reload() -> None:
        os.kill(server.process.pid, signal.SIGHUP)

    def redis_hangs_then_stops() -> None:
        redis.freeze()
        time.sleep(d.redis_frozen)
        redis.stop()
        time.sleep(d.redis_stopped)
        redis.start()

    def postgres_stops() -> None:
        postgres.stop()
        time.sleep(d.postgres_stopped)
        postgres.start()

    return [
        ("steady", lambda: None),
        ("worker SIGKILL", kill_a_worker),
        ("HUP", reload),
        ("Redis hung, then stopped", redis_hangs_then_stops),
        ("PostgreSQL stopped", postgres_stops),
    ]


def run_suite(
    data_dir: Path, env: dict[str, str], record: dict[str, Any], durations: Durations = FULL
) -> SuiteResult:
    """Serve ``data_dir`` on private PostgreSQL and Redis, then run every fault under load."""
    from portal.db import migrate
    from portal.db.prediction_log import prediction_log

    with ExitStack() as stack:
        postgres = stack.enter_context(private_postgres())
        redis = stack.enter_context(private_redis_server())
        migrate.upgrade_url(postgres.url)
        served = {
            **env,
            "PORTAL_DATA_DIR": str(data_dir),
            "PORTAL_DATABASE_URL": postgres.url,
            "PORTAL_CACHE_URL": redis.url,
            "PORTAL_WORKERS": "2",
        }
        server = start_gunicorn(served)
        stack.callback(server.stop)
        reports = []
        load = _Load(server.url, record, durations.clients)
        load.start()
        try:
            for fault, act in _faults(server, redis, postgres, durations):
                started = time.monotonic()
                time.sleep(durations.before)
                act()
                time.sleep(durations.after)
                with load._lock:
                    window = [s for s in load.samples if s.started >= started]
                reports.append(_report(fault, window))
        finally:
            load.stop()
        answered = list(load.ids)
        engine = sa.create_engine(postgres.url, poolclass=sa.NullPool)
        try:
            logged = _wait_for_log(engine, prediction_log, set(answered))
        finally:
            engine.dispose()
    counts: dict[str, int] = {}
    for prediction_id in logged:
        counts[prediction_id] = counts.get(prediction_id, 0) + 1
    wanted = set(answered)
    return SuiteResult(
        reports,
        len(answered),
        sorted(wanted - set(counts)),
        sum(count - 1 for count in counts.values() if count > 1) + (len(answered) - len(wanted)),
        len(set(counts) - wanted),
    )


def _wait_for_log(engine: sa.Engine, table: Any, wanted: set[str], timeout: float = 120.0) -> list[str]:
    """Every logged API prediction id, once the spools have flushed what was answered (or time is up)."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            logged = (
                connection.execute(sa.select(table.c.prediction_id).where(table.c.source == "api"))
                .scalars()
                .all()
            )
        if wanted <= set(logged) or time.monotonic() > deadline:
            return list(logged)
        time.sleep(1.0)
