"""Logged rows per model, version and UTC day, kept in the transaction that writes the rows.

Coverage, live metrics per period and the drift page need "how many rows, per day"; counting them
in the log costs a scan of every row (1.4 s at 5 million). The recorder adds each transaction's
rows here as it commits them; when a replay finds ids already logged (fewer rows inserted than
sent), the days it touched are counted again from the log, so the table stays exact.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.db.prediction_log import prediction_log, prediction_log_days

DayKey = tuple[str, int, str]
_MODEL_VERSION_TIME = operator.itemgetter(2, 3, 1)


def day_of(created: Any) -> str:
    """A log time as ``YYYY-MM-DD`` in UTC: SQLite's stored text, or a datetime on PostgreSQL."""
    if isinstance(created, dt.datetime):
        return created.astimezone(dt.UTC).strftime("%Y-%m-%d")
    return str(created)[:10]


def add_counts(connection: sa.Connection, rows: Sequence[tuple[Any, ...]], inserted: int) -> None:
    """Count ``rows`` (driver tuples in log column order) into their days; ``inserted`` were new."""
    # Rows of one write share a few (model, version, time) triples: count those in C, then their days.
    keys: Counter[DayKey] = Counter()
    for (model, version, created), count in Counter(map(_MODEL_VERSION_TIME, rows)).items():
        keys[model, int(version), day_of(created)] += count
    if inserted != len(rows):
        recount(connection, keys)
        return
    table = prediction_log_days.c
    upsert = _insert(connection).values(
        [{"model_name": m, "model_version": v, "day": d, "rows": n} for (m, v, d), n in keys.items()]
    )
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=["model_name", "model_version", "day"],
            set_={"rows": table.rows + upsert.excluded.rows},
        )
    )


def recount(connection: sa.Connection, keys: Iterable[DayKey]) -> None:
    """Set the given days' counts from the log itself."""
    log = prediction_log.c
    for model, version, day in keys:
        start = dt.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=dt.UTC)
        count = connection.execute(
            sa.select(sa.func.count()).where(
                log.model_name == model,
                log.model_version == version,
                log.created_at >= start,
                log.created_at < start + dt.timedelta(days=1),
            )
        ).scalar_one()
        upsert = _insert(connection).values(model_name=model, model_version=version, day=day, rows=count)
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=["model_name", "model_version", "day"], set_={"rows": upsert.excluded.rows}
            )
        )


def rebuild(engine: sa.Engine) -> None:
    """Count every day again from the log (after rows were written around the recorder)."""
    day = _day_text(engine.dialect.name).label("day")
    log = prediction_log.c
    counted = sa.select(log.model_name, log.model_version, day, sa.func.count()).group_by(
        log.model_name, log.model_version, day
    )
    with engine.begin() as connection:
        connection.execute(prediction_log_days.delete())
        connection.execute(
            prediction_log_days.insert().from_select(["model_name", "model_version", "day", "rows"], counted)
        )


def logged_per_day(engine: sa.Engine, spec: Any) -> pd.Series:
    """Rows of a window (a ``WindowSpec``) per UTC day (index: midnight, naive UTC).

    Whole days come from the counts table; the part-days at a window's edges (a rolling window
    starts at a minute) and batch windows are counted in the log, over an index range.
    """
    if spec.batch_id is not None:
        return _series(_log_counts(engine, spec.where()))
    since = _utc(spec.since) if spec.since is not None else None
    until = _utc(spec.until) if spec.until is not None else None
    first = _next_midnight(since) if since is not None else None
    end = _midnight(until) if until is not None else None
    if first is not None and end is not None and first > end:  # within one day
        return _series(_log_counts(engine, spec.where()))
    table = prediction_log_days.c
    clauses = [table.model_name == spec.model]
    if spec.version is not None:
        clauses.append(table.model_version == spec.version)
    if first is not None:
        clauses.append(table.day >= first.strftime("%Y-%m-%d"))
    if end is not None:
        clauses.append(table.day < end.strftime("%Y-%m-%d"))
    query = sa.select(table.day, sa.func.sum(table.rows)).where(*clauses).group_by(table.day)
    with engine.connect() as connection:
        counts = {day: int(rows) for day, rows in connection.execute(query)}
    log = prediction_log.c
    base = [log.model_name == spec.model]
    if spec.version is not None:
        base.append(log.model_version == spec.version)
    if since is not None and first is not None and since < first:
        counts.update(_log_counts(engine, [*base, log.created_at >= since, log.created_at < first]))
    if until is not None and end is not None and until > end:
        counts.update(_log_counts(engine, [*base, log.created_at >= end, log.created_at < until]))
    return _series(counts)


def _log_counts(engine: sa.Engine, clauses: list[Any]) -> dict[str, int]:
    day = _day_text(engine.dialect.name).label("day")
    query = sa.select(day, sa.func.count()).where(*clauses).group_by(day)
    with engine.connect() as connection:
        return {str(found): int(rows) for found, rows in connection.execute(query)}


def _series(counts: dict[str, int]) -> pd.Series:
    days = sorted(counts)
    values = [counts[day] for day in days]
    return pd.Series(values, index=pd.to_datetime(days), dtype="int64", name="logged")


def _day_text(dialect: str) -> Any:
    """SQL for a log row's UTC day as ``YYYY-MM-DD`` (SQLite keeps times as UTC text)."""
    column = prediction_log.c.created_at
    if dialect == "sqlite":
        return sa.func.substr(column, 1, 10)
    return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _midnight(moment: dt.datetime) -> dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _next_midnight(moment: dt.datetime) -> dt.datetime:
    midnight = _midnight(moment)
    return midnight if moment == midnight else midnight + dt.timedelta(days=1)


def _insert(connection: sa.Connection) -> Any:
    """The dialect's INSERT, which has the upsert clause."""
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    return dialect.insert(prediction_log_days)
