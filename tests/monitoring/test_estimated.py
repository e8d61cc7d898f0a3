"""Estimated performance per period from the logged demo history, beside realized from its outcomes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from models.estimation import MIN_ROWS, merge
from portal.monitoring import estimated
from portal.predlog import estimates as log_estimates
from portal.predlog.windows import WindowSpec, load_window, positive_probability
from tests.conftest import DEMO_HISTORY_END
from tests.support.estimated_history import ROWS


def _services(app):
    return app.server.extensions["portal.services"]


def test_ese001_weekly_estimates_with_bands_rows_and_labels(history_app) -> None:
    services = _services(history_app)
    record = services.registry.get("churn")
    with history_app.server.app_context():
        view = estimated.estimated_view(services, record, "week", now=DEMO_HISTORY_END)
    assert view.unavailable == "" and view.metrics[0] == "accuracy"
    table = view.table()
    assert table["rows"].sum() == ROWS // 2  # the last six of twelve months are logged
    full = table[table["rows"] >= MIN_ROWS]
    assert len(full) >= 20
    assert (full["lower_accuracy"] < full["estimated_accuracy"]).all()
    assert (full["estimated_accuracy"] < full["upper_accuracy"]).all()
    assert full["estimated_roc_auc"].between(0.5, 1).all()
    # Older weeks have most of their outcomes, the last week few: realized follows the labels.
    assert table["labels"].iloc[0] > 0.5 * table["rows"].iloc[0]
    assert table["labels"].iloc[-1] < 0.2 * table["rows"].iloc[-1]
    labelled = table[table["labels"] >= 200]
    assert labelled["realized_accuracy"].notna().all()
    # The logged pre-shift months hold the training rows (70% of them), which the model scores far
    # better than unseen rows, so realized there is above the estimate (monthly accuracy against
    # unseen rows is checked in tests/models/test_estimators_demo.py). Without labels, the estimate
    # still sees the shifted inputs: estimated accuracy falls after the shift, as realized does.
    early = full[full["period"] < "2026-08-01"]["estimated_accuracy"]
    late = full[full["period"] >= "2026-08-04"]["estimated_accuracy"]
    reference = estimated.estimators.estimator(services.registry, None, "churn").reference_metrics
    assert (early - reference["accuracy"]).abs().max() < 0.04
    assert late.mean() < early.mean() - 0.03


def test_ese002_weeks_are_their_days_merged_and_days_are_cached(history_app, monkeypatch) -> None:
    services = _services(history_app)
    record = services.registry.get("churn")
    with history_app.server.app_context():
        days = estimated.estimated_view(services, record, "day", now=DEMO_HISTORY_END)
        weeks = estimated.estimated_view(services, record, "week", now=DEMO_HISTORY_END)
        fitted = estimated.estimators.estimator(services.registry, services.figure_cache, "churn")

        def refuse(*args, **kwargs):
            raise AssertionError("a closed day was read again")

        monkeypatch.setattr(log_estimates, "probability_bins", refuse)
        again = estimated.estimated_view(services, record, "week", now=DEMO_HISTORY_END)
    assert sum(row.rows for row in days.periods) == sum(row.rows for row in weeks.periods)
    assert again.table().equals(weeks.table())
    week = weeks.periods[3]
    start = week.period.to_pydatetime().replace(tzinfo=dt.UTC)
    spec = WindowSpec("churn", record.version, since=start, until=start + dt.timedelta(days=7))
    monkeypatch.undo()
    # The week's rows read whole, by the Drift page's reader, bin to the merge of its days' bins.
    window = load_window(services.engine, spec, record.schema)
    whole = fitted.bins(positive_probability(window, record.classes[-1]).to_numpy())
    days = log_estimates.probability_bins(services.engine, spec, record.classes[-1], fitted)
    assert len(days) == 7
    merged = merge(list(days.values()))
    assert whole.rows == week.rows == merged.rows
    assert np.array_equal(merged.counts, whole.counts) and np.allclose(merged.sums, whole.sums)
    assert fitted.estimate(whole).metrics == pytest.approx(week.estimate.metrics)


def test_ese003_regressor_gets_estimated_errors(history_app) -> None:
    services = _services(history_app)
    record = services.registry.get("revenue")
    with history_app.server.app_context():
        view = estimated.estimated_view(services, record, "week", now=DEMO_HISTORY_END)
    table = view.table()
    full = table[table["rows"] >= MIN_ROWS]
    assert view.metrics == ("mae", "rmse") and full["estimated_mae"].gt(0).all()
    assert (full["estimated_rmse"] >= full["estimated_mae"]).all()


def test_ese004_bad_period_and_empty_log(history_app, app) -> None:
    services = _services(history_app)
    with pytest.raises(ValueError, match="period"):
        estimated.estimated_view(services, services.registry.get("churn"), "month")
    fresh = app.server.extensions["portal.services"]
    with app.server.app_context():
        view = estimated.estimated_view(fresh, fresh.registry.get("churn"), "day")
    assert view.periods == [] and view.table().empty


def test_ese006_a_large_day_is_estimated_from_a_uniform_sample(history_app, monkeypatch) -> None:
    services = _services(history_app)
    record = services.registry.get("churn")
    fitted = estimated.estimators.estimator(services.registry, services.figure_cache, "churn")
    rows = int(estimated.logged_per_day(services.engine, WindowSpec("churn", record.version)).sum())
    monkeypatch.setattr(log_estimates, "DAY_SAMPLE_ROWS", rows // 4)
    cut = log_estimates.day_cut(rows)
    assert cut is not None and log_estimates.day_cut(rows // 4) is None
    # The whole logged history read as one "day" of rows, whole and as the sample a large day gets.
    spec = WindowSpec("churn", record.version)
    read = log_estimates.probability_bins
    whole = merge(list(read(services.engine, spec, record.classes[-1], fitted).values()))
    sample = merge(list(read(services.engine, spec, record.classes[-1], fitted, cut).values()))
    assert whole.rows == rows and 0.8 * rows / 4 < sample.rows < 1.2 * rows / 4
    sampled = fitted.estimate(sample)
    error = sampled.standard_errors["accuracy"]
    assert error > fitted.estimate(whole).standard_errors["accuracy"], "the band widens to the sample"
    assert abs(sampled.metrics["accuracy"] - fitted.estimate(whole).metrics["accuracy"]) < 3 * error


def test_ese007_uncached_days_read_large_ones_alone_as_samples_and_the_rest_in_runs(
    history_app, monkeypatch
) -> None:
    services = _services(history_app)
    record = services.registry.get("churn")
    daily = estimated.logged_per_day(services.engine, WindowSpec("churn", record.version))
    days = [(stamp.date(), int(rows)) for stamp, rows in daily.items()]
    large = {day for day, _rows in days[::5]}  # every fifth day: too large to read whole (size -1 here)
    monkeypatch.setattr(log_estimates, "day_cut", lambda rows: "8000" if rows == -1 else None)
    sizes = {day: (-1 if day in large else rows) for day, rows in days}
    reads: list[tuple[dt.date, dt.date, str | None]] = []

    def read(spec: WindowSpec, cut: str | None) -> dict:
        reads.append((spec.since.date(), (spec.until - dt.timedelta(days=1)).date(), cut))
        return {}

    monkeypatch.setattr(estimated, "peek", lambda *args: None)
    monkeypatch.setattr(estimated, "put", lambda *args: None)
    estimated._cached_days(services, "t", list(sizes.items()), days[-1][0], read, record, dict)
    alone = sorted(first for first, last, cut in reads if cut is not None)
    assert alone == sorted(large) and all(first == last for first, last, cut in reads if cut)
    runs = [(first, last) for first, last, cut in reads if cut is None]
    covered = [first + dt.timedelta(days=i) for first, last in runs for i in range((last - first).days + 1)]
    assert not set(covered) & large, "a run never spans a sampled day"
    assert set(covered) | large >= {day for day, _ in days}
