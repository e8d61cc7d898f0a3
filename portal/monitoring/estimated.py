"""Estimated performance per day or week, beside realized performance where labels exist.

Each UTC day of a model version is summarised once (CBPE probability bins or DLE loss sums, see
``portal.predlog.estimates``) and cached under the day's row count: a closed day for the cache's
usual life, today for ``CURRENT_SECONDS``, so a busy model's current day is re-read at most once a
minute. Weeks merge their days' sums exactly. Realized metrics come the same way from the rows with
feedback (``portal.feedback.realized_days``: outputs, outcomes and verdicts only), cached per day
under the model's feedback state, so new feedback re-reads the labelled outputs, never features.

The estimate is for one version (its calibrator fits only its own probabilities): the rows of that
version, whatever the page's version filter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models import estimators, live
from models.caching import peek, put
from models.estimation import CBPE, Estimate, ProbabilityBins, merge, not_enough_text
from models.estimation_dle import DLE, LossSums
from models.realized_sums import ClassifierCounts, RegressorSums
from models.registry import ModelVersion
from portal.db.feedback import feedback
from portal.feedback.realized_days import realized_sums
from portal.predlog import estimates as log_estimates
from portal.predlog.day_counts import logged_per_day
from portal.predlog.windows import WindowSpec
from portal.services import Services

CURRENT_SECONDS = 60
REALIZED_KEYS = {
    "classification": ("accuracy", "precision", "recall", "f1", "roc_auc"),
    "regression": ("mae", "rmse"),
}


@dataclasses.dataclass(frozen=True)
class PeriodRow:
    """One day or week: rows logged, rows with feedback, the estimate and the realized metrics."""

    period: pd.Timestamp
    rows: int
    labels: int
    estimate: Estimate | None
    realized: dict[str, float]

    @property
    def status(self) -> str:
        if self.estimate is None:
            return "unavailable"
        return "estimated" if self.estimate.enough else "not enough data"

    @property
    def note(self) -> str:
        """What the period's numbers rest on, as the page and the API say it."""
        if self.estimate is not None and not self.estimate.enough:
            return not_enough_text(self.rows)
        return f"{self.rows:,} rows, {self.labels:,} labelled"


@dataclasses.dataclass(frozen=True)
class EstimatedView:
    """The version's estimated and realized metrics per period; ``unavailable`` says why no estimate."""

    record: ModelVersion
    period: str
    metrics: tuple[str, ...]
    periods: list[PeriodRow]
    unavailable: str = ""
    calibrated: bool | None = None

    def table(self) -> pd.DataFrame:
        """One row per period: rows, labels, and per metric estimated, lower, upper and realized."""
        records: list[dict[str, Any]] = []
        for row in self.periods:
            item: dict[str, Any] = {"period": row.period, "rows": row.rows, "labels": row.labels}
            for metric in self.metrics:
                estimate = row.estimate
                if estimate is not None and metric in estimate.metrics:
                    item[f"estimated_{metric}"] = estimate.metrics[metric]
                    item[f"lower_{metric}"], item[f"upper_{metric}"] = estimate.band(metric)
                item[f"realized_{metric}"] = row.realized.get(metric)
            records.append(item)
        return pd.DataFrame(records)


def estimated_view(
    services: Services, record: ModelVersion, period: str = "day", now: dt.datetime | None = None
) -> EstimatedView:
    """Estimated and realized metrics of ``record``'s logged rows per ``period`` (day or week)."""
    if period not in live.PERIODS:
        raise ValueError(f"period must be one of {', '.join(live.PERIODS)}, not {period!r}")
    today = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date()
    spec = WindowSpec(record.name, record.version)
    daily = logged_per_day(services.engine, spec)
    metrics = estimators.metrics_for(record)
    unavailable, fitted = "", None
    try:
        fitted = estimators.estimator(services.registry, services.figure_cache, record.name, record.version)
    except estimators.EstimationUnavailable as exc:
        unavailable = str(exc)
    days = _days(daily)
    summaries = _summaries(services, record, fitted, days, today) if fitted is not None and days else {}
    feedback_days = _realized_days(services, record, days, today) if days else {}
    freq = live.PERIODS[period]
    starts = pd.DatetimeIndex(daily.index).to_period(freq).start_time if len(daily) else pd.DatetimeIndex([])
    rows = []
    for start in sorted(set(starts)):
        chosen = [stamp.date() for stamp, begins in zip(daily.index, starts, strict=True) if begins == start]
        logged = int(sum(int(daily[pd.Timestamp(day)]) for day in chosen))
        labels, found = _realized([feedback_days[day] for day in chosen if day in feedback_days], record)
        estimate = _estimate(fitted, [summaries[day] for day in chosen]) if fitted is not None else None
        rows.append(PeriodRow(pd.Timestamp(start), logged, labels, estimate, found))
    calibrated = fitted.calibrated if isinstance(fitted, CBPE) else None
    return EstimatedView(record, period, metrics, rows, unavailable, calibrated)


def _days(daily: pd.Series) -> list[tuple[dt.date, int]]:
    return [(stamp.date(), int(rows)) for stamp, rows in daily.items()]


def _estimate(fitted: CBPE | DLE, parts: list[Any]) -> Estimate:
    if isinstance(fitted, CBPE):
        return fitted.estimate(merge(parts))
    total = LossSums()
    for part in parts:
        total = total + part
    return fitted.estimate(total)


def _cached_days(
    services: Services,
    prefix: str,
    days: list[tuple[dt.date, int]],
    today: dt.date,
    read: Callable[[WindowSpec, str | None], dict[dt.date, Any]],
    record: ModelVersion,
    empty: Callable[[], Any],
    sample: bool = True,
) -> dict[dt.date, Any]:
    """Each day's sums from the cache, under its row count; the missing days read in one pass.

    With ``sample``, a day too large to read whole is read alone, as a sample
    (``estimates.day_cut``), and each pass spans only days between such days.
    A closed day is kept for the cache's usual life, today only for ``CURRENT_SECONDS``.
    """
    keys = {day: f"{prefix}:{day.isoformat()}:{rows}" for day, rows in days}
    found = {day: peek(services.figure_cache, "figures", key) for day, key in keys.items()}
    missing = [day for day, value in found.items() if value is None]
    if missing:
        counts = dict(days) if sample else {}
        fresh: dict[dt.date, Any] = {}
        whole: list[dt.date] = []
        for day in missing:
            cut = log_estimates.day_cut(counts[day]) if sample else None
            if cut is None:
                whole.append(day)
            else:
                fresh.update(read(log_estimates.day_spec(record, day), cut))
        for span in _runs(whole, [day for day in counts if log_estimates.day_cut(counts[day])]):
            fresh.update(read(log_estimates.span_spec(record, span), None))
        for day in missing:
            found[day] = fresh.get(day) or empty()
            timeout = CURRENT_SECONDS if day >= today else None
            put(services.figure_cache, "figures", keys[day], found[day], timeout)
    return found


def _runs(days: list[dt.date], sampled: list[dt.date]) -> list[list[dt.date]]:
    """``days`` cut into runs that no sampled day falls inside, each read in one pass."""
    runs: list[list[dt.date]] = []
    barriers = sorted(sampled)
    for day in sorted(days):
        if runs and not any(runs[-1][-1] < barrier < day for barrier in barriers):
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _summaries(
    services: Services,
    record: ModelVersion,
    fitted: CBPE | DLE,
    days: list[tuple[dt.date, int]],
    today: dt.date,
) -> dict[dt.date, Any]:
    """Each day's estimate sums: CBPE probability bins or DLE loss sums."""
    prefix = f"estimate-day:e{estimators.FORMAT}:{record.name}:v{record.version}:{record.model_sha256[:16]}"
    if isinstance(fitted, CBPE):
        positive = record.classes[-1]
        return _cached_days(
            services,
            prefix,
            days,
            today,
            lambda spec, cut: log_estimates.probability_bins(services.engine, spec, positive, fitted, cut),
            record,
            ProbabilityBins.empty,
        )
    return _cached_days(
        services,
        prefix,
        days,
        today,
        lambda spec, cut: log_estimates.loss_sums(services.engine, spec, record, fitted, cut),
        record,
        LossSums,
    )


def _feedback_stamp(services: Services, record: ModelVersion) -> tuple[Any, Any]:
    """The model's feedback count and newest id: what changes when feedback arrives."""
    table = feedback.c
    stamp = sa.select(sa.func.count(), sa.func.max(table.feedback_id)).where(table.model_name == record.name)
    with services.engine.connect() as connection:
        count, newest = connection.execute(stamp).one()
    return count, newest


def _realized_days(
    services: Services, record: ModelVersion, days: list[tuple[dt.date, int]], today: dt.date
) -> dict[dt.date, Any]:
    """Each day's feedback as sums, cached under its row count and the model's feedback state."""
    count, newest = _feedback_stamp(services, record)
    if not count:
        return {}
    prefix = f"realized-day:{record.name}:v{record.version}:{record.model_sha256[:16]}:{count}:{newest}"
    empty = ClassifierCounts.empty if record.task == "classification" else RegressorSums
    return _cached_days(
        services,
        prefix,
        days,
        today,
        lambda spec, _cut: realized_sums(services.engine, record, spec),
        record,
        empty,
        sample=False,  # every labelled row counts; they are read through the feedback join
    )


def _realized(
    parts: list[ClassifierCounts | RegressorSums], record: ModelVersion
) -> tuple[int, dict[str, float]]:
    """Rows with feedback and the realized metrics of a period's days."""
    if not parts:
        return 0, {}
    total = parts[0]
    for part in parts[1:]:
        total = total + part  # type: ignore[operator]
    keep = REALIZED_KEYS.get(record.task, ())
    metrics = total.metrics(estimators.decision_threshold(record))
    return total.labels, {k: v for k, v in metrics.items() if k in keep}
