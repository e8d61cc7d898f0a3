"""Estimated performance per day or week, beside realized performance where labels exist.

Each UTC day of a model version is summarised once (CBPE probability bins or DLE loss sums, see
``portal.predlog.estimates``) and cached under the day's row count: a closed day for the cache's
usual life, today for ``CURRENT_SECONDS``, so a busy model's current day is re-read at most once a
minute. Weeks merge their days' sums exactly. Realized metrics come from the rows with feedback
(``models.live.metrics_over_time``), cached until feedback or logged rows change.

The estimate is for one version (its calibrator fits only its own probabilities): the rows of that
version, whatever the page's version filter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models import estimators, live
from models.caching import cached_call
from models.estimation import CBPE, Estimate, merge, not_enough_text
from models.estimation_dle import DLE, LossSums
from models.registry import ModelVersion
from portal.db.feedback import feedback
from portal.feedback.labelled import labelled_window
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
    summaries = {
        day: _day_summary(services, record, fitted, day, int(rows), today) if fitted is not None else None
        for day, rows in ((stamp.date(), rows) for stamp, rows in daily.items())
    }
    realized = _realized(services, record, daily, period)
    freq = live.PERIODS[period]
    starts = pd.DatetimeIndex(daily.index).to_period(freq).start_time if len(daily) else pd.DatetimeIndex([])
    rows = []
    for start in sorted(set(starts)):
        days = [stamp.date() for stamp, begins in zip(daily.index, starts, strict=True) if begins == start]
        logged = int(sum(int(daily[pd.Timestamp(day)]) for day in days))
        found = realized.get(pd.Timestamp(start), {})
        estimate = _estimate(fitted, [summaries[day] for day in days]) if fitted is not None else None
        labels = int(found.pop("with_feedback", 0))
        rows.append(PeriodRow(pd.Timestamp(start), logged, labels, estimate, found))
    calibrated = fitted.calibrated if isinstance(fitted, CBPE) else None
    return EstimatedView(record, period, metrics, rows, unavailable, calibrated)


def _estimate(fitted: CBPE | DLE, parts: list[Any]) -> Estimate:
    if isinstance(fitted, CBPE):
        return fitted.estimate(merge(parts))
    total = LossSums()
    for part in parts:
        total = total + part
    return fitted.estimate(total)


def _day_summary(
    services: Services, record: ModelVersion, fitted: CBPE | DLE, day: dt.date, rows: int, today: dt.date
) -> Any:
    """One day's sums, cached under its row count; today's only briefly, as rows keep arriving."""
    key = (
        f"estimate-day:e{estimators.FORMAT}:{record.name}:v{record.version}:"
        f"{record.model_sha256[:16]}:{day.isoformat()}:{rows}"
    )
    spec = log_estimates.day_spec(record, day)

    def compute() -> Any:
        if isinstance(fitted, CBPE):
            positive = record.classes[-1]
            return log_estimates.probability_bins(services.engine, spec, positive, fitted)
        return log_estimates.loss_sums(services.engine, spec, record, fitted)

    timeout = CURRENT_SECONDS if day >= today else None
    return cached_call(services.figure_cache, "figures", key, compute, local=timeout is None, timeout=timeout)


def _realized(
    services: Services, record: ModelVersion, daily: pd.Series, period: str
) -> dict[pd.Timestamp, dict[str, float]]:
    """Realized metrics and rows with feedback per period start, cached until feedback or rows change."""
    table = feedback.c
    stamp = sa.select(sa.func.count(), sa.func.max(table.feedback_id)).where(table.model_name == record.name)
    with services.engine.connect() as connection:
        count, newest = connection.execute(stamp).one()
    fingerprint = (record.name, record.version, record.model_sha256, count, newest, int(daily.sum()), period)
    fingerprint += (str(daily.index.max()) if len(daily) else "",)
    key = "estimate-realized:" + hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:32]

    def compute() -> dict[pd.Timestamp, dict[str, float]]:
        if not count:
            return {}
        labelled = labelled_window(services.engine, record, WindowSpec(record.name, record.version))
        over_time = live.metrics_over_time(labelled.meta, daily, record, period)
        keep = ("with_feedback", *REALIZED_KEYS.get(record.task, ()))
        result = {}
        for item in over_time.to_dict("records"):
            values = {k: item[k] for k in keep if k in item and pd.notna(item[k])}
            result[pd.Timestamp(item["period"])] = values
        return result

    found = cached_call(services.figure_cache, "figures", key, compute, local=True)
    return {start: dict(values) for start, values in found.items()}
