"""Group commit: concurrent predictions share transactions, each stored once, none acknowledged early."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from portal.db import migrate
from portal.db.engine import create_engine
from portal.predlog.group_commit import GroupCommit
from portal.predlog.recorder import PredictionLog
from tests.api.test_predict_api import reference_records
from tests.conftest import base_env
from tests.predlog.test_prediction_log import _churn_prediction, logged
from tests.support.servers import start_gunicorn, worker_pids

CALLERS = 24


def _concurrently(callers: int, call) -> list:
    start = threading.Barrier(callers)

    def run(index: int):
        start.wait()
        return call(index)

    with ThreadPoolExecutor(callers) as pool:
        return list(pool.map(run, range(callers)))


def _one_row_each(app, plog: PredictionLog) -> list[str]:
    result, frame = _churn_prediction(app, rows=1)
    return [pid for ids in _concurrently(CALLERS, lambda _: plog.record_frame(result, frame)) for pid in ids]


def test_grp001_concurrent_single_rows_share_transactions_and_land_once_each(app, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate.upgrade(engine)
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    ids = _one_row_each(app, plog)
    table = logged(engine)
    assert sorted(table["prediction_id"]) == sorted(ids) and len(set(ids)) == CALLERS
    assert 1 <= plog.transactions < CALLERS, "single-row predictions must not each commit on their own"


@pytest.mark.postgres
def test_grp002_group_commit_on_postgres(app, tmp_path, postgres_database_url) -> None:
    engine = create_engine(postgres_database_url)
    try:
        migrate.upgrade(engine)
        plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
        ids = _one_row_each(app, plog)
        assert sorted(logged(engine)["prediction_id"]) == sorted(ids)
        assert plog.transactions < CALLERS
    finally:
        engine.dispose()


def test_grp003_a_failed_group_spools_every_caller_and_the_spool_drains_once(app, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")  # no tables yet: every insert fails
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    ids = _one_row_each(app, plog)
    assert plog.transactions == 0
    migrate.upgrade(engine)
    assert plog.flush() == CALLERS
    assert sorted(logged(engine)["prediction_id"]) == sorted(ids)


def test_grp004_a_group_is_bounded_and_callers_wait_for_their_own_commit() -> None:
    groups: list[list[int]] = []
    first_running = threading.Event()

    def commit(rows: list[int]) -> None:
        groups.append(rows)
        if len(groups) == 1:
            first_running.set()
            time.sleep(0.3)  # the others queue behind this commit

    group = GroupCommit(commit, max_rows=7)
    done: list[int] = []
    lock = threading.Lock()

    def submit(index: int) -> None:
        group.submit([index] * 3)
        with lock:
            done.append(index)
            assert index in {row for rows in groups for row in rows}, "returned before its commit"

    leader = threading.Thread(target=submit, args=(0,))
    leader.start()
    first_running.wait(5)
    others = [threading.Thread(target=submit, args=(i,)) for i in range(1, 10)]
    for thread in others:
        thread.start()
    for thread in [leader, *others]:
        thread.join(10)
    assert sorted(done) == list(range(10))
    assert groups[0] == [0, 0, 0] and all(len(rows) <= 7 for rows in groups)
    assert len(groups) < 10 and group.transactions == len(groups) and group.rows == 30


def test_grp005_every_caller_of_a_failed_group_sees_the_error() -> None:
    class Down(Exception):
        pass

    def commit(_rows: list[int]) -> None:
        time.sleep(0.05)
        raise Down("database down")

    group = GroupCommit(commit)
    errors = _concurrently(8, lambda i: _error_of(lambda: group.submit([i])))
    assert all(isinstance(error, Down) for error in errors) and group.rows == 0


def _error_of(call) -> BaseException | None:
    try:
        call()
    except BaseException as exc:
        return exc
    return None


@pytest.mark.gunicorn
@pytest.mark.slow
def test_grp006_workers_killed_mid_group_lose_no_acknowledged_prediction(data_dir) -> None:
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    server = start_gunicorn(base_env(data_dir, PORTAL_WORKERS="2"))
    acknowledged: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def client() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                reply = session.post(
                    f"{server.url}/api/v1/models/churn/predict", json={"records": [record]}, timeout=30
                )
            except requests.RequestException:
                session = requests.Session()
                continue
            if reply.status_code == 200:
                with lock:
                    acknowledged.extend(row["prediction_id"] for row in reply.json()["predictions"])

    threads = [threading.Thread(target=client, daemon=True) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(3):
            time.sleep(1.5)
            os.kill(sorted(worker_pids(server.process.pid))[0], signal.SIGKILL)
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(60)
        metrics = requests.get(f"{server.url}/metrics", timeout=10).text
    finally:
        server.stop()
    engine = create_engine(f"sqlite:///{data_dir / 'portal.db'}")
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT prediction_id FROM prediction_log")).scalars().all()
    engine.dispose()
    assert len(acknowledged) > 50
    assert set(acknowledged) <= set(stored), "an acknowledged prediction was lost"
    assert len(stored) == len(set(stored))
    totals = {
        line.split()[0]: float(line.split()[1])
        for line in metrics.splitlines()
        if line.startswith("portal_prediction_log_")
    }
    rows, transactions = (
        totals["portal_prediction_log_rows_total"],
        totals["portal_prediction_log_transactions_total"],
    )
    assert rows >= len(set(acknowledged)) and transactions < rows, "concurrent requests share transactions"
