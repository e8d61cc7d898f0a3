"""The Drift page's data: which windows exist, and the drift of one window against the reference.

Results are small frames, cached per model version, window and the window's row fingerprint in the
figures cache; the raw logged rows stay on the server (``portal.predlog.windows`` keeps them parsed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models import drift, evaluation, monitoring
from models.caching import cached_call
from models.drift import DatasetDrift
from models.drift_thresholds import DriftThresholds
from models.registry import ModelVersion
from portal.db.batches import batch_jobs
from portal.db.prediction_log import prediction_log
from portal.predlog import day_counts
from portal.predlog import windows as logged_data
from portal.services import Services

ROLLING = {"7d": 7, "30d": 30, "90d": 90}
FALLBACK_WINDOW = "30d"
MONTHS_LISTED = 24
# One thread per worker computes a window's drift; it takes load_window's own stripes inside.
_computing = logged_data.Stripes()


class WindowError(ValueError):
    """A window value the page cannot use (from a hand-edited URL, say)."""


@dataclasses.dataclass(frozen=True)
class DriftView:
    """Everything the page draws for one window."""

    window_rows: int
    reference_rows: int
    tested_rows: int
    result: DatasetDrift
    history: pd.DataFrame
    spread: pd.DataFrame
    reference_quantiles: dict[str, float]


def thresholds_for(services: Services, name: str) -> DriftThresholds:
    """The model's configured thresholds (PORTAL_DRIFT_THRESHOLDS), else the documented defaults."""
    return DriftThresholds.from_mapping(services.settings.drift_thresholds.get(name))


def drift_kinds(record: ModelVersion) -> dict[str, str]:
    """The inputs drift is tested on, by kind; id and time columns always differ, so they are left out."""
    leading = (record.metadata.get("id_column"), record.metadata.get("time_column"))
    return drift.kinds_from_schema(record.schema, exclude=leading)


def window_options(services: Services, name: str) -> list[dict[str, str]]:
    """Rolling windows, then months with logged rows (newest first), then this model's batches."""
    options = [{"label": f"Last {days} days", "value": key} for key, days in ROLLING.items()]
    table = prediction_log.c
    # Each end read alone from the (model, time) index: min and max in one query scan the model's rows.
    first = sa.select(table.created_at).where(table.model_name == name).limit(1)
    with services.engine.connect() as connection:
        oldest = connection.execute(first.order_by(table.created_at)).scalar()
        newest = connection.execute(first.order_by(table.created_at.desc())).scalar()
        batches = connection.execute(
            sa.select(batch_jobs.c.batch_id, batch_jobs.c.file_name, batch_jobs.c.created_at)
            .where(batch_jobs.c.model_name == name, batch_jobs.c.status == "done")
            .order_by(batch_jobs.c.created_at.desc())
            .limit(50)
        ).all()
    if oldest is not None:
        months = pd.period_range(
            pd.Timestamp(oldest).strftime("%Y-%m"), pd.Timestamp(newest).strftime("%Y-%m"), freq="M"
        )
        for period in list(reversed(months))[:MONTHS_LISTED]:
            options.append({"label": f"Month {period}", "value": f"month:{period}"})
    for batch_id, file_name, created in batches:
        stamp = pd.Timestamp(created).strftime("%Y-%m-%d")
        options.append({"label": f"Batch {file_name} ({stamp})", "value": f"batch:{batch_id}"})
    return options


def window_rows(services: Services, spec: logged_data.WindowSpec) -> int:
    """Logged rows in a window, from the per-day counts (whole days) and the index (part-days)."""
    return int(day_counts.logged_per_day(services.engine, spec).sum())


@dataclasses.dataclass(frozen=True)
class DefaultWindow:
    """The window the page opens on, and the sentence that says why."""

    value: str
    note: str


def choose_window(services: Services, name: str, options: list[dict[str, str]]) -> DefaultWindow:
    """The most recent standard window (7, 30, 90 days, then months newest first) with enough rows.

    "Enough" is the model's ``min_rows``, the size below which drift is not judged. When no window
    has that many rows, the shortest one with any rows, else the newest month, else 30 days.
    """
    needed = thresholds_for(services, name).min_rows
    labels = {o["value"]: o["label"] for o in options}
    candidates = [*ROLLING, *(o["value"] for o in options if o["value"].startswith("month:"))]
    counts: dict[str, int] = {}
    for value in candidates:
        counts[value] = window_rows(services, window_spec(name, None, value))
        if counts[value] >= needed:
            return DefaultWindow(value, _opened_note(labels, counts, value, needed))
    with_rows = [value for value in candidates if counts.get(value)]
    if not with_rows:
        return DefaultWindow(FALLBACK_WINDOW, "No logged predictions yet.")
    value = with_rows[0]
    note = (
        f"No window has the {needed:,} logged rows drift needs; opened on {labels.get(value, value)} "
        f"({counts.get(value, 0):,} rows)."
    )
    return DefaultWindow(value, note)


def _opened_note(labels: dict[str, str], counts: dict[str, int], value: str, needed: int) -> str:
    opened = f"Opened on {labels.get(value, value)} ({counts[value]:,} logged rows)"
    skipped = [f"{labels.get(key, key)} has {rows:,}" for key, rows in counts.items() if key != value]
    if not skipped:
        return opened + "."
    return f"{opened}, the most recent window with the {needed:,} rows drift needs: {'; '.join(skipped)}."


def default_window(services: Services, name: str, options: list[dict[str, str]]) -> str:
    """The value of ``choose_window``: what the page, the CSV link and the API use when none is given."""
    return choose_window(services, name, options).value


def window_spec(
    name: str, version: int | None, value: str, now: dt.datetime | None = None
) -> logged_data.WindowSpec:
    """The logged rows a window value names; WindowError says what is wrong with a bad one."""
    if value in ROLLING:
        return logged_data.last_days(name, ROLLING[value], now)
    kind, _, rest = (value or "").partition(":")
    if kind == "month":
        try:
            return logged_data.month(name, rest)
        except ValueError:
            raise WindowError(f"month {rest!r} is not YYYY-MM") from None
    if kind == "batch" and rest.isalnum() and len(rest) <= 32:
        return logged_data.WindowSpec(name, batch_id=rest)
    raise WindowError(f"unknown window {value!r}: use 7d, 30d, 90d, month:YYYY-MM or batch:<id>")


def drift_view(services: Services, record: ModelVersion, spec: logged_data.WindowSpec) -> DriftView:
    """Drift of the window against the version's reference data, cached until rows are added.

    The cache key needs only the window's row count and newest time, so a repeat view in any worker
    reads no logged row; the window is read (sampled when large) only to compute a miss.
    """
    logged, newest = logged_data.window_fingerprint(services.engine, spec)
    limits = thresholds_for(services, record.name)
    fingerprint = (
        record.name,
        record.version,
        record.model_sha256,
        spec,
        logged,
        str(newest),
        logged_data.SAMPLE_ROWS,
        limits,
    )
    key = "drift:" + hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:32]

    def compute() -> DriftView:
        window = logged_data.load_window(services.engine, spec, record.schema)
        return _compute(services, record, window, limits)

    # The page's summary and overlay callbacks ask at once: one computes, the other finds it cached.
    with _computing.lock(key):
        return cached_call(services.figure_cache, "figures", key, compute, local=True)


def _compute(
    services: Services, record: ModelVersion, window: logged_data.LoggedWindow, limits: DriftThresholds
) -> DriftView:
    reference = services.registry.reference(record.name, record.version)
    kinds = drift_kinds(record)
    result = drift.dataset_drift(reference, window.features, kinds, limits)
    history = pd.DataFrame(columns=["bucket", "feature", "statistic", "drifted", "rows"])
    spread = monitoring.output_spread(pd.Series(dtype=float), pd.Series(dtype=str))
    if window.rows:
        times = window.meta["created_at"]
        freq = monitoring.choose_frequency(times)
        buckets = monitoring.bucket_labels(times, freq)
        history = monitoring.drift_over_time(reference, window.features, buckets, kinds, limits)
        spread = monitoring.output_spread(_output_values(record, window), buckets)
    return DriftView(
        window.logged,
        len(reference),
        window.rows,
        result,
        history,
        spread,
        _reference_quantiles(services, record),
    )


def _output_values(record: ModelVersion, window: logged_data.LoggedWindow) -> pd.Series:
    """The number whose spread is shown: positive-class probability, or the predicted value."""
    if record.task == "classification" and record.classes:
        found = logged_data.positive_probability(window, record.classes[-1])
        if found is not None:
            return found
    return pd.to_numeric(window.meta["prediction"], errors="coerce")


def _reference_quantiles(services: Services, record: ModelVersion) -> dict[str, float]:
    """The same quantiles on the reference data's predictions, drawn as the baseline band."""
    scored = evaluation.score(
        services.registry, services.figure_cache, record.name, evaluation.REFERENCE, record.version
    )
    values: Any = scored.score if scored.score is not None else scored.predicted
    series = pd.Series(values, dtype=float).dropna()
    if series.empty:
        return {}
    return {f"q{int(q * 100)}": float(series.quantile(q)) for q in monitoring.QUANTILES}
