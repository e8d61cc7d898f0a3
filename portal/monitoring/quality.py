"""Data quality of logged inputs per UTC day, for the Drift page, its REST answer and alert rules.

Each day is read on its own, in chunks of the ``features`` column only, parsed into the schema's
features and counted (``models.data_quality``); nothing holds more than one chunk. A closed day's
counts are cached under its row count (from ``prediction_log_days``), today's under its row count
and newest time, so a repeat view reads no logged row and a new row recomputes only its day.
Counts merge, so the window is the sum of its days. Refusals come from ``refusals.per_day``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models.caching import cached_call
from models.data_quality import FeatureCounts, count_features, merge_all
from models.registry import ModelVersion
from models.schema import FeatureSpec
from portal.db.prediction_log import prediction_log
from portal.monitoring import refusals
from portal.monitoring.drift import ROLLING, WindowError
from portal.predlog import day_counts
from portal.predlog.parsing import feature_frame
from portal.predlog.windows import WindowSpec, sample_cut, window_fingerprint

CHUNK_ROWS = 20_000
# A day of more logged rows is counted on a uniform sample of about this many (windows.sample_cut),
# its counts scaled to the day's rows: shares within about a percentage point, at a bounded cost.
DAY_SAMPLE_ROWS = 2_000
# A day with fewer logged rows is drawn but marked: its shares swing on a handful of rows.
DAY_MIN_ROWS = 30


@dataclasses.dataclass(frozen=True)
class DayQuality:
    """One UTC day: rows logged, each feature's counts, and refused requests by reason."""

    day: str
    rows: int
    features: dict[str, FeatureCounts]
    refused: dict[str, tuple[int, int]]
    sampled: bool = False

    @property
    def enough(self) -> bool:
        return self.rows >= DAY_MIN_ROWS


@dataclasses.dataclass(frozen=True)
class QualityView:
    """A window's days, oldest first, their combined counts, and whether there are enough rows."""

    days: list[DayQuality]
    totals: dict[str, FeatureCounts]
    refused: dict[str, tuple[int, int]]
    rows: int
    min_rows: int
    kinds: dict[str, str]

    @property
    def enough(self) -> bool:
        return self.rows >= self.min_rows

    @property
    def status_text(self) -> str:
        if self.enough:
            text = f"{self.rows:,} logged rows over {len(self.days)} days"
            if any(day.sampled for day in self.days):
                text += f"; days of over {DAY_SAMPLE_ROWS:,} rows counted on a uniform sample, scaled"
            return text
        return f"Not enough data: {self.rows:,} rows, needs {self.min_rows:,}"


def window_days(value: str, today: dt.date | None = None) -> list[dt.date]:
    """The UTC days a window covers: the last 7, 30 or 90 days up to today, or one month's days."""
    today = today or dt.datetime.now(dt.UTC).date()
    if value in ROLLING:
        return [today - dt.timedelta(days=back) for back in reversed(range(ROLLING[value]))]
    kind, _, rest = (value or "").partition(":")
    if kind == "month":
        try:
            start = dt.datetime.strptime(rest, "%Y-%m").date()
        except ValueError:
            raise WindowError(f"month {rest!r} is not YYYY-MM") from None
        end = min((start + dt.timedelta(days=32)).replace(day=1), today + dt.timedelta(days=1))
        return [start + dt.timedelta(days=n) for n in range((end - start).days)]
    raise WindowError(
        f"data quality is kept per day: use 7d, 30d, 90d or month:YYYY-MM, not {str(value)[:80]!r}"
    )


def checked_schema(record: ModelVersion) -> list[FeatureSpec]:
    """The inputs checked: all but the id and time columns, which are unique or always move on."""
    leading = {record.metadata.get("id_column"), record.metadata.get("time_column")}
    return [spec for spec in record.schema if spec.name not in leading]


def quality_view(
    engine: sa.Engine,
    record: ModelVersion,
    days: list[dt.date],
    version: int | None = None,
    min_rows: int = 100,
    cache: Any = None,
) -> QualityView:
    """The window's per-day quality against ``record``'s schema; ``version`` pins the logged rows."""
    schema = checked_schema(record)
    result: list[DayQuality] = []
    if days:
        first, last = days[0], days[-1]
        start = dt.datetime.combine(first, dt.time(), dt.UTC)
        bounds = WindowSpec(record.name, version, since=start, until=_next(last))
        logged = day_counts.logged_per_day(engine, bounds)
        counts = {stamp.strftime("%Y-%m-%d"): int(rows) for stamp, rows in logged.items()}
        refused = refusals.per_day(engine, record.name, str(first), str(last))
        today = dt.datetime.now(dt.UTC).date()
        for day in days:
            text = str(day)
            features, sampled = _day_features(
                engine, record, schema, version, day, counts.get(text, 0), today, cache
            )
            rows = next(iter(features.values())).rows if features else 0
            result.append(DayQuality(text, rows, features, refused.get(text, {}), sampled))
    totals = merge_all(day.features for day in result)
    refused_total: dict[str, tuple[int, int]] = {}
    for day in result:
        for reason, (requests, rows) in day.refused.items():
            had = refused_total.get(reason, (0, 0))
            refused_total[reason] = (had[0] + requests, had[1] + rows)
    kinds = {spec.name: spec.kind for spec in schema}
    return QualityView(result, totals, refused_total, sum(d.rows for d in result), min_rows, kinds)


# Names how days are counted, so counts cached under an older rule are never shown as this one's.
COUNTING = "dates-up-to-logging, days over DAY_SAMPLE_ROWS sampled"


def _next(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


def _day_features(
    engine: sa.Engine,
    record: ModelVersion,
    schema: list[FeatureSpec],
    version: int | None,
    day: dt.date,
    counted: int,
    today: dt.date,
    cache: Any,
) -> tuple[dict[str, FeatureCounts], bool]:
    """One day's counts and whether they come from a sample; cached: a closed day by its row count,
    today by its count and newest time."""
    spec = WindowSpec(
        record.name, version, since=dt.datetime.combine(day, dt.time(), dt.UTC), until=_next(day)
    )
    if day >= today:
        counted, newest = window_fingerprint(engine, spec)
    else:
        newest = None
    if not counted:
        return {}, False
    cut = sample_cut(counted, DAY_SAMPLE_ROWS)
    fingerprint = (
        COUNTING,
        DAY_SAMPLE_ROWS,
        str(engine.url),
        record.name,
        record.version,
        record.model_sha256,
        version,
        str(day),
        counted,
        str(newest),
        tuple(s.to_dict().__repr__() for s in schema),
    )
    key = "quality-day:" + hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:32]
    counts = cached_call(
        cache, "figures", key, lambda: _counted(engine, spec, schema, cut, counted), local=True
    )
    return counts, cut is not None


def _counted(
    engine: sa.Engine, spec: WindowSpec, schema: list[FeatureSpec], cut: str | None, rows: int
) -> dict[str, FeatureCounts]:
    counts = read_day(engine, spec, schema, cut)
    if cut is None:
        return counts
    return {name: feature.scaled(rows) for name, feature in counts.items()}


def read_day(
    engine: sa.Engine, spec: WindowSpec, schema: list[FeatureSpec], cut: str | None = None
) -> dict[str, FeatureCounts]:
    """Count one window's rows (or those below the id-bit ``cut``) in chunks of the ``features`` column."""
    query = sa.select(prediction_log.c.features).where(*spec.where())
    if cut is not None:
        query = query.where(sa.func.substr(prediction_log.c.prediction_id, 13, 4) < cut)
    parts = []
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(query)
        for rows in result.partitions():
            texts = pd.Series([row[0] for row in rows], dtype=object)
            parts.append(count_features(feature_frame(texts, schema), schema, spec.until))
    return merge_all(parts)
