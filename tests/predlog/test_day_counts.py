"""Per-day log counts kept with the rows: equal to counting the log, through every way rows arrive."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from portal.db import migrate
from portal.db.engine import create_engine
from portal.db.prediction_log import prediction_log_days
from portal.predlog import day_counts
from portal.predlog.demo_history import backfill
from portal.predlog.recorder import PredictionLog
from portal.predlog.windows import WindowSpec, last_days
from tests.predlog.test_prediction_log import _churn_prediction


def _kept(engine: sa.Engine) -> dict[tuple[str, int, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(prediction_log_days)).all()
    return {(m, v, d): int(n) for m, v, d, n in rows}


def _counted(engine: sa.Engine) -> dict[tuple[str, int, str], int]:
    """The naive count: every log row read and grouped in pandas."""
    with engine.connect() as connection:
        frame = pd.read_sql(
            sa.text("SELECT model_name, model_version, created_at FROM prediction_log"), connection
        )
    days = pd.to_datetime(frame["created_at"], utc=True).dt.strftime("%Y-%m-%d")
    grouped = frame.assign(day=days).groupby(["model_name", "model_version", "day"]).size()
    return {(m, int(v), d): int(n) for (m, v, d), n in grouped.items()}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_log(request, app, tmp_path):
    if request.param == "postgres":
        engine = create_engine(request.getfixturevalue("postgres_database_url"))
    else:
        engine = create_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate.upgrade(engine)
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    yield app, engine, plog
    plog.stop()
    engine.dispose()


def test_day001_requests_batches_history_and_replays_keep_the_counts_exact(fresh_log) -> None:
    app, engine, plog = fresh_log
    services = app.server.extensions["portal.services"]
    result, frame = _churn_prediction(app, rows=3)
    plog.record_frame(result, frame, source="api")
    plog.write_chunk(result, frame, ["b" * 32, "c" * 32, "d" * 32], "batch", "batch1", "ana")
    backfill(services.registry, plog, "churn", months=3)
    assert len(_kept(engine)) > 60, "the history spreads over many days"
    assert _kept(engine) == _counted(engine)
    # A replay of entries already stored (a crash after commit, before the spool file was deleted).
    again = plog.entries(result, frame, ["b" * 32, "e" * 32, "f" * 32], "batch", None, "ana")
    plog.write(again)
    assert _kept(engine) == _counted(engine)


def test_day002_rolling_month_batch_and_version_windows_count_like_the_log(fresh_log) -> None:
    app, engine, plog = fresh_log
    services = app.server.extensions["portal.services"]
    backfill(services.registry, plog, "churn", months=3)
    with engine.connect() as connection:
        newest = pd.Timestamp(
            connection.execute(sa.text("SELECT max(created_at) FROM prediction_log")).scalar_one()
        )
    newest = newest.tz_convert("UTC") if newest.tzinfo else newest.tz_localize("UTC")
    end = newest.to_pydatetime() + dt.timedelta(minutes=1)
    windows = [
        WindowSpec("churn"),
        WindowSpec("churn", version=1),
        WindowSpec("churn", version=7),
        last_days("churn", 10, now=end),
        last_days("churn", 45, now=end.replace(hour=0, minute=0, second=0, microsecond=0)),
        WindowSpec("churn", since=end - dt.timedelta(hours=5), until=end - dt.timedelta(hours=1)),
        WindowSpec("churn", batch_id="demohistory"),
    ]
    for spec in windows:
        with engine.connect() as connection:
            stamps = connection.execute(
                sa.select(sa.literal_column("created_at")).where(*spec.where())
            ).scalars()
            expected = (
                pd.to_datetime(pd.Series(list(stamps)), utc=True).dt.strftime("%Y-%m-%d").value_counts()
            )
        found = day_counts.logged_per_day(engine, spec)
        assert found.index.strftime("%Y-%m-%d").tolist() == sorted(expected.index), spec
        assert found.tolist() == [int(expected[d]) for d in sorted(expected.index)], spec


def test_day003_the_migration_counts_rows_logged_before_it(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0700_log_time_id_index")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO prediction_log VALUES (:id, :at, 'churn', 1, 'api', NULL, 'ana', '{}', '{}')"
            ),
            [{"id": f"{i:032x}", "at": f"2026-0{1 + i % 3}-1{i % 5} 10:00:00.000000"} for i in range(30)],
        )
    migrate.upgrade(engine)
    assert _kept(engine) == _counted(engine) and sum(_kept(engine).values()) == 30
    day_counts.rebuild(engine)
    assert _kept(engine) == _counted(engine)
