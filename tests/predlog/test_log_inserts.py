"""Multi-row log inserts store what row-by-row inserts stored, once each; large writes checkpoint later."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from models.prediction_ids import new_prediction_ids
from portal.db import migrate
from portal.db.engine import create_engine
from portal.db.prediction_log import prediction_log, prediction_log_days
from portal.predlog import checkpoint
from portal.predlog.inserts import insert_rows
from portal.predlog.recorder import COLUMNS, PredictionLog, driver_stamp


def _engine(request, tmp_path, name: str) -> sa.Engine:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database_url")
        if name != "a":  # a second database on the same server: the fixture gives one per test
            engine = create_engine(url)
            with engine.begin() as connection:
                connection.exec_driver_sql("CREATE SCHEMA second")
            engine.dispose()
            engine = sa.create_engine(url, connect_args={"options": "-csearch_path=second"})
            migrate.upgrade(engine)
            return engine
        engine = create_engine(url)
    else:
        engine = create_engine(f"sqlite:///{tmp_path / f'{name}.db'}")
    migrate.upgrade(engine)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_logs(request, tmp_path):
    first, second = _engine(request, tmp_path, "a"), _engine(request, tmp_path, "b")
    yield first, second
    first.dispose()
    second.dispose()


def _rows(count: int, sqlite: bool, text: str = "plain") -> list[tuple]:
    stamp = driver_stamp(dt.datetime(2026, 11, 3, 12, 30, 1, 250_000, tzinfo=dt.UTC), sqlite)
    return [
        (
            pid,
            stamp,
            "churn",
            1,
            "api" if n % 3 else "batch",
            None if n % 2 else f"batch{n % 5}",
            "ana",
            f'{{"n":{n},"t":"{text} é \\u2028 {n}"}}',
            f'{{"prediction":{n % 2}}}',
        )
        for n, pid in enumerate(new_prediction_ids(count))
    ]


def _table(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        frame = pd.read_sql(sa.select(prediction_log).order_by(prediction_log.c.prediction_id), connection)
    return frame.reset_index(drop=True)


def test_ins001_multi_row_statements_store_exactly_what_row_by_row_inserts_store(two_logs) -> None:
    multi, single = two_logs
    sqlite = multi.dialect.name == "sqlite"
    rows = _rows(257, sqlite)  # two full statements of 100 and 57 rows left over
    with multi.begin() as connection:
        assert insert_rows(connection, COLUMNS, rows, per_statement=100) == 257
    with single.begin() as connection:
        assert insert_rows(connection, COLUMNS, rows, per_statement=1) == 257
    stored = _table(multi)
    pd.testing.assert_frame_equal(stored, _table(single))
    assert len(stored) == 257 and stored["features"].iloc[0] == sorted(rows)[0][7]


def test_ins002_a_replay_over_logged_ids_stores_each_once_and_counts_it_once(two_logs, tmp_path) -> None:
    engine, _ = two_logs
    sqlite = engine.dialect.name == "sqlite"
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    try:
        first = _rows(230, sqlite)
        plog._insert_rows(first)
        # A replay of a spool file whose first rows had already been committed, plus new ones.
        again = first[:150] + _rows(120, sqlite, text="new")
        plog._insert_rows(again)
        stored = _table(engine)
        assert len(stored) == 350 and stored["prediction_id"].is_unique
        assert set(stored["prediction_id"]) == {row[0] for row in first + again}
        kept = stored.set_index("prediction_id")["features"]
        assert all(kept[row[0]] == row[7] for row in first), "a replay never overwrites a logged row"
        with engine.connect() as connection:
            days = connection.execute(sa.select(prediction_log_days.c.day, prediction_log_days.c.rows)).all()
        assert [(day, int(count)) for day, count in days] == [("2026-11-03", 350)]
    finally:
        plog.stop()


def test_ins003_a_large_sqlite_write_checkpoints_on_a_thread_and_keeps_the_pool_setting(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate.upgrade(engine)
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    try:
        rows = _rows(checkpoint.DEFERRED_CHECKPOINT_ROWS, sqlite=True)
        plog._insert_rows(rows)
        deadline = time.monotonic() + 10
        while plog._checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert plog._checkpointer.checkpoints >= 1, "the large write asked for a checkpoint"
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
            busy, frames, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        assert busy == 0 and frames == copied, "every committed page reached the database file"
        assert len(_table(engine)) == len(rows)
        plog._insert_rows(_rows(3, sqlite=True))  # small writes checkpoint as SQLite always did
        assert plog._checkpointer.checkpoints == 1
    finally:
        plog.stop()
        engine.dispose()
