"""Each registered model's health at a glance, for Home: one read per item, each item on its own.

Every item says where its explanation lives (a page path with its query), and an item that cannot
be read (the database down, a broken version) says why instead of hiding the rest of the card.
All counts come from aggregates (daily counts, labelled rows, a cached drift view), never a whole
window of the log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import pandas as pd
import sqlalchemy as sa

from models import live
from models.caching import cached_call
from models.registry import ModelVersion, RegistryError
from portal.alerts import store as alert_store
from portal.db.batches import batch_jobs
from portal.db.feedback import feedback
from portal.feedback.labelled import labelled_window
from portal.monitoring import drift as drift_service
from portal.monitoring import promotions
from portal.monitoring.estimated import estimated_view
from portal.predlog import windows as logged_data
from portal.predlog.day_counts import logged_per_day
from portal.services import Services

log = logging.getLogger(__name__)
SPARKLINE_DAYS = 30
LIVE_DAYS = 30
# Labelled rows the card reads at most (a uniform sample beyond): Home stays fast at any volume.
REALIZED_SAMPLE_ROWS = 20_000
T = TypeVar("T")


def page_link(path: str, **query: Any) -> str:
    """A page path with its query, leaving out empty values."""
    kept = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


@dataclasses.dataclass(frozen=True)
class Item:
    """One line of a card: a headline, a detail, the page that explains it, and whether it needs a look."""

    headline: str
    detail: str
    link: str
    attention: bool = False


@dataclasses.dataclass(frozen=True)
class ModelHealth:
    """Everything Home shows for one model."""

    name: str
    version: int | None
    task: str
    daily: pd.Series  # predictions per UTC day, the last SPARKLINE_DAYS days, zeros included
    items: dict[str, Item]

    @property
    def needs_attention(self) -> bool:
        return any(item.attention for item in self.items.values())


def _guarded(label: str, link: str, read: Callable[[], T]) -> T | Item:
    """``read()``, or an Item saying why it failed: one unreadable item must not blank the card."""
    try:
        return read()
    except (sa.exc.SQLAlchemyError, RegistryError, OSError, ValueError) as exc:
        log.warning("home: %s unavailable", label, extra={"error": type(exc).__name__})
        return Item(f"{label} unavailable", str(exc).splitlines()[0][:160], link, attention=True)


def fleet(services: Services, now: dt.datetime | None = None) -> list[ModelHealth]:
    """One ModelHealth per registered model, in the registry's order."""
    now = now or dt.datetime.now(dt.UTC)
    return [model_health(services, name, now) for name in services.registry.names()]


def model_health(services: Services, name: str, now: dt.datetime) -> ModelHealth:
    """The card of one model; a version that cannot be read still gets a card that says so."""
    try:
        record = services.registry.get(name)
    except RegistryError as exc:
        item = Item("Version unavailable", str(exc), page_link("/models", model=name), attention=True)
        return ModelHealth(name, None, "", _empty_days(now), {"version": item})
    daily = _guarded("Predictions", page_link("/feedback", model=name), lambda: _daily(services, name, now))
    items = {
        "version": _guarded("Version", page_link("/models", model=name), lambda: _version(services, record)),
        "predictions": daily if isinstance(daily, Item) else _predictions(name, daily),
        "drift": _guarded("Drift", page_link("/drift", model=name), lambda: _drift(services, record, now)),
        "performance": _guarded(
            "Performance",
            page_link("/performance", model=name, source="live"),
            lambda: _performance(services, record, now),
        ),
        "estimated": _guarded(
            "Estimated performance",
            page_link("/performance", model=name, source="live", period="week"),
            lambda: _estimated(services, record, now),
        ),
        "alerts": _guarded("Alerts", page_link("/overview", model=name), lambda: _alerts(services, name)),
        "batch": _guarded("Batches", "/batches", lambda: _last_batch(services, name)),
        "challenger": _guarded(
            "Challenger", page_link("/compare", model=name), lambda: _challenger(services, record)
        ),
    }
    days = daily if isinstance(daily, pd.Series) else _empty_days(now)
    return ModelHealth(name, record.version, record.task, days, items)


def _empty_days(now: dt.datetime) -> pd.Series:
    end = pd.Timestamp(now).tz_convert("UTC").tz_localize(None).normalize()
    days = pd.date_range(end=end, periods=SPARKLINE_DAYS, freq="D")
    return pd.Series(0, index=days, dtype="int64")


def _daily(services: Services, name: str, now: dt.datetime) -> pd.Series:
    days = _empty_days(now)
    # Whole UTC days, today included up to now: the counts table answers all but today's part.
    spec = logged_data.WindowSpec(name, since=days.index[0].to_pydatetime().replace(tzinfo=dt.UTC))
    counts = logged_per_day(services.engine, spec)
    return days.add(counts.reindex(days.index, fill_value=0), fill_value=0).astype("int64")


def _predictions(name: str, daily: pd.Series) -> Item:
    total = int(daily.sum())
    today = int(daily.iloc[-1]) if len(daily) else 0
    return Item(
        f"{total:,} predictions in {SPARKLINE_DAYS} days",
        f"{today:,} today",
        page_link("/feedback", model=name),
    )


def _version(services: Services, record: ModelVersion) -> Item:
    history = promotions.history(services.engine, record.name, limit=1)
    link = page_link("/models", model=record.name)
    if history.empty or int(history["to_version"].iloc[0]) != record.version:
        return Item(f"v{record.version} active", f"registered {record.created_at[:10]}", link)
    last = history.iloc[0]
    when = pd.Timestamp(last["created_at"]).strftime("%Y-%m-%d %H:%M UTC")
    verb = "rolled back" if last["action"] == "rollback" else "promoted"
    who = f" by {last['user_name']}" if last["user_name"] else ""
    return Item(f"v{record.version} active", f"{verb} {when}{who}", link)


def _drift(services: Services, record: ModelVersion, now: dt.datetime) -> Item:
    """The Drift page's default window, as of the last full hour.

    A rolling window ending now changes with every logged row, so each refresh of Home would test
    drift again; ending at the hour, one computation serves every refresh and worker for an hour.
    """
    options = drift_service.window_options(services, record.name)
    window = drift_service.default_window(services, record.name, options)
    label = next((o["label"] for o in options if o["value"] == window), window)
    link = page_link("/drift", model=record.name, window=window)
    hour = now.replace(minute=0, second=0, microsecond=0)
    spec = drift_service.window_spec(record.name, None, window, now=hour)
    view = drift_service.drift_view(services, record, spec)
    if window in drift_service.ROLLING:
        label = f"{label} to {hour:%H:%M} UTC"
    sizes = f"{label}: {view.window_rows:,} rows against {view.reference_rows:,} reference rows"
    if view.window_rows == 0:
        return Item("No logged rows to test", sizes, link)
    result = view.result
    if not result.enough:
        return Item(result.verdict, sizes, link)
    if result.drifted:
        drifted = len(result.drifted_features)
        return Item(f"Drift detected: {drifted} of {len(result.features)} features", sizes, link, True)
    return Item("No drift", sizes, link)


def _performance(services: Services, record: ModelVersion, now: dt.datetime) -> Item:
    """Realized metrics over the last LIVE_DAYS, recomputed only when feedback arrives or hourly.

    Labelled rows are read whole to score them, which takes seconds once the log holds tens of
    thousands; Home refreshes every minute, so the answer is cached on the feedback table's state.
    """
    table = feedback.c
    stamp = sa.select(sa.func.count(), sa.func.max(table.feedback_id)).where(table.model_name == record.name)
    with services.engine.connect() as connection:
        count, newest = connection.execute(stamp).one()
    hour = now.replace(minute=0, second=0, microsecond=0)
    fingerprint = (record.name, record.version, record.model_sha256, count, newest, hour.isoformat())
    key = "home-performance:" + hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:32]
    return cached_call(
        services.figure_cache, "figures", key, lambda: _realized(services, record, hour), local=True
    )


def _realized(services: Services, record: ModelVersion, now: dt.datetime) -> Item:
    link = page_link("/performance", model=record.name, source="live")
    spec = logged_data.WindowSpec(record.name, since=now - dt.timedelta(days=LIVE_DAYS))
    labelled = labelled_window(services.engine, record, spec, max_rows=REALIZED_SAMPLE_ROWS)
    with_outcome = labelled.counts.with_outcome if labelled.counts else 0
    metric, reference = next(iter(record.metrics.items()), (None, None))
    reference_text = f"reference {metric} {reference:.3f}" if isinstance(reference, float) else "no reference"
    if not with_outcome:
        return Item("No labelled predictions", f"last {LIVE_DAYS} days; {reference_text}", link)
    realized = live.live_metrics(labelled.meta, record)
    value = realized.get(metric) if metric else None
    if value is None:
        return Item("Labelled rows", f"{with_outcome:,} in {LIVE_DAYS} days; {reference_text}", link)
    # Higher is better for every headline metric but the regression errors.
    lower_is_better = metric in {"mae", "rmse", "mse"}
    worse = value > reference * 1.05 if lower_is_better else value < reference - 0.05
    return Item(
        f"{metric} {value:.3f} live",
        f"{with_outcome:,} labelled in {LIVE_DAYS} days; {reference_text}",
        link,
        attention=bool(isinstance(reference, float) and worse),
    )


def _estimated(services: Services, record: ModelVersion, now: dt.datetime) -> Item:
    """This week's estimated headline metric (no labels needed) beside the realized one, if any.

    When this week has too few rows yet, the latest week with an estimate is shown and named.
    """
    link = page_link("/performance", model=record.name, source="live", period="week")
    view = estimated_view(services, record, "week", now)
    if view.unavailable:
        return Item("No estimate", view.unavailable[:160], link)
    shown = [row for row in view.periods if row.status == "estimated"]
    if not shown:
        rows = view.periods[-1].rows if view.periods else 0
        return Item("No estimate yet", f"{rows:,} rows this week; estimates need more", link)
    row, metric = shown[-1], view.metrics[0]
    week_start = pd.Timestamp(now).tz_convert("UTC").tz_localize(None).to_period(live.PERIODS["week"])
    when = "this week" if row.period == week_start.start_time else f"week of {row.period:%Y-%m-%d}"
    value = row.estimate.metrics[metric] if row.estimate else float("nan")
    error = 3 * (row.estimate.standard_errors.get(metric, 0.0) if row.estimate else 0.0)
    realized = row.realized.get(metric)
    beside = (
        f"realized {realized:.3f} from {row.labels:,} labels" if realized is not None else "no labels yet"
    )
    reference = record.metrics.get(metric)
    lower_is_better = metric in {"mae", "rmse"}
    worse = False
    if isinstance(reference, float):
        worse = value > reference * 1.05 if lower_is_better else value < reference - 0.05
    return Item(
        f"estimated {metric} {value:.3f} {when}",
        f"±{error:.3f} over {row.rows:,} rows; {beside}",
        link,
        attention=worse,
    )


def _alerts(services: Services, name: str) -> Item:
    opened = alert_store.listed(services.engine, model=name, status="open", limit=20)
    if not opened:
        return Item("No open alerts", "", page_link("/overview", model=name))
    newest = opened[0]
    more = f" and {len(opened) - 1} more" if len(opened) > 1 else ""
    return Item(
        f"{len(opened)} open alert{'s' if len(opened) != 1 else ''}",
        f"{newest.summary}{more}",
        newest.page or page_link("/overview", model=name),
        attention=True,
    )


def _last_batch(services: Services, name: str) -> Item:
    table = batch_jobs.c
    query = (
        sa.select(table.batch_id, table.file_name, table.status, table.rows_done, table.created_at)
        .where(table.model_name == name)
        .order_by(table.created_at.desc())
        .limit(1)
    )
    with services.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return Item("No batch yet", "", page_link("/batch", model=name))
    when = pd.Timestamp(row.created_at).strftime("%Y-%m-%d %H:%M")
    return Item(
        f"Last batch {row.status}",
        f"{row.file_name}, {int(row.rows_done):,} rows, {when}",
        "/batches",
        attention=row.status == "failed",
    )


def _challenger(services: Services, record: ModelVersion) -> Item:
    newer = [v for v in services.registry.versions(record.name) if v.version > record.version]
    if not newer:
        return Item("No challenger waiting", "", page_link("/compare", model=record.name))
    challenger = newer[-1]
    return Item(
        f"Challenger v{challenger.version} waiting",
        f"registered {challenger.created_at[:10]}; compare it with v{record.version}",
        page_link("/compare", model=record.name, a=record.version, b=challenger.version),
        attention=True,
    )
