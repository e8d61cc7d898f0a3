"""Data quality per day on a crafted log: every count exact, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from models import inference
from models.data_quality import FeatureCounts, count_column
from models.prediction_ids import new_prediction_ids
from models.schema import FeatureSpec, validate_records
from portal.monitoring import quality, refusals
from portal.monitoring.drift import WindowError
from portal.monitoring.quality_document import quality_document
from tests.predlog.test_day_counts import fresh_log  # noqa: F401  (the SQLite/PostgreSQL fixture)

DAY_ONE = dt.date(2026, 12, 1)
DAY_TWO = dt.date(2026, 12, 2)


def clean_rows(app, rows: int):
    """Reference rows with every feature present, and their prediction."""
    services = app.server.extensions["portal.services"]
    record = services.registry.get("churn")
    frame = services.registry.reference("churn", record.version)[record.feature_names].dropna().head(rows)
    frame = frame.reset_index(drop=True)
    result = inference.predict(services.registry, services.inference_cache, "churn", frame, record.version)
    return record, result, frame


# Per day, the changes to clean rows: a value, or None for null, or "<drop>" to leave the key out.
CHANGES = {
    DAY_ONE: [
        {"tenure_months": -5, "plan": "gold"},
        {"avg_session_minutes": None, "monthly_charges": 9999.5},
        {},
    ],
    DAY_TWO: [
        {"plan": "gold", "region": "mars"},
        {"acquisition_channel": "<drop>", "tenure_months": 500},
    ],
}


def write_crafted_log(app, plog, days=CHANGES) -> None:
    """Two days of predictions with known missing, out-of-range and unseen values."""
    for day, changes in days.items():
        _record, result, frame = clean_rows(app, len(changes))
        ids = [f"{day:%Y%m%d}{index:024x}" for index in range(len(changes))]
        entries = plog.entries(result, frame, ids, "api", None, "ana")
        for index, (entry, change) in enumerate(zip(entries, changes, strict=True)):
            document = json.loads(entry["features"])
            for name, value in change.items():
                if value == "<drop>":
                    document.pop(name)
                else:
                    document[name] = value
            entry["features"] = json.dumps(document)
            entry["created_at"] = f"{day}T{10 + index:02d}:00:00+00:00"
        assert plog.write(entries)


def test_dq001_counts_per_day_and_window_are_exact(fresh_log) -> None:  # noqa: F811
    app, engine, plog = fresh_log
    write_crafted_log(app, plog)
    record = app.server.extensions["portal.services"].registry.get("churn")
    view = quality.quality_view(engine, record, [DAY_ONE, DAY_TWO], min_rows=4)
    one, two = view.days
    assert (one.day, one.rows, two.day, two.rows) == ("2026-12-01", 3, "2026-12-02", 2)
    assert view.rows == 5 and view.enough and not one.enough  # a day needs DAY_MIN_ROWS
    assert one.features["tenure_months"] == FeatureCounts(3, 0, 1, 0)
    assert two.features["tenure_months"] == FeatureCounts(2, 0, 0, 1)
    assert view.totals["tenure_months"].out_of_range == 2
    assert view.totals["tenure_months"].share(2) == pytest.approx(0.4)
    assert one.features["monthly_charges"] == FeatureCounts(3, 0, 0, 1)
    assert one.features["avg_session_minutes"] == FeatureCounts(3, 1)
    assert two.features["avg_session_minutes"] == FeatureCounts(2, 0)
    assert two.features["acquisition_channel"] == FeatureCounts(2, 1)
    assert one.features["plan"] == FeatureCounts(3, 0, 0, 0, 1, (("gold", 1),))
    assert two.features["region"] == FeatureCounts(2, 0, 0, 0, 1, (("mars", 1),))
    assert view.totals["plan"] == FeatureCounts(5, 0, 0, 0, 2, (("gold", 2),))
    clean = {"seats", "age", "contract", "industry", "signup_date", "nps_score"}
    assert all(view.totals[name] == FeatureCounts(5) for name in clean)
    assert "customer_id" not in view.totals and "snapshot_month" not in view.totals
    # A second look is cached per day; an empty window says not enough data.
    assert quality.quality_view(engine, record, [DAY_ONE, DAY_TWO], min_rows=4).totals == view.totals
    empty = quality.quality_view(engine, record, [dt.date(2026, 11, 30)], min_rows=4)
    assert empty.rows == 0 and not empty.enough
    assert empty.status_text == "Not enough data: 0 rows, needs 4"


def test_dq002_windows_are_whole_utc_days() -> None:
    today = dt.date(2026, 12, 7)
    assert quality.window_days("7d", today) == [today - dt.timedelta(days=n) for n in range(6, -1, -1)]
    assert len(quality.window_days("90d", today)) == 90
    assert quality.window_days("month:2026-11", today)[-1] == dt.date(2026, 11, 30)
    assert quality.window_days("month:2026-12", today)[-1] == today
    for bad in ("batch:abc", "1y", "month:2026-13", ""):
        with pytest.raises(WindowError):
            quality.window_days(bad, today)


def test_dq003_column_counts_by_kind() -> None:
    numbers = FeatureSpec("x", "numeric", minimum=0.0, maximum=10.0)
    assert count_column(pd.Series([-1.0, 0.0, 10.0, 11.0, None]), numbers) == FeatureCounts(5, 1, 1, 1)
    codes = FeatureSpec("c", "categorical", categories=(1, 2, True))
    assert count_column(pd.Series(["1", 2, "3", None, "3"], dtype=object), codes) == FeatureCounts(
        5, 1, 0, 0, 2, (("3", 2),)
    )
    free = FeatureSpec("f", "categorical", categories=None)
    assert count_column(pd.Series(["anything", None], dtype=object), free) == FeatureCounts(2, 1)
    dates = FeatureSpec("d", "datetime", minimum="2020-01-01T00:00:00", maximum="2021-01-01T00:00:00")
    stamps = pd.Series(pd.to_datetime(["2019-06-01", "2020-06-01", "2022-01-01", None]))
    assert count_column(stamps, dates) == FeatureCounts(4, 1, 1, 1)


def test_dq004_refusal_counts_upsert_and_add_up(fresh_log) -> None:  # noqa: F811
    _app, engine, _plog = fresh_log
    assert refusals.add(engine, "churn", "2026-12-01", {"bad_json": (1, 0), "missing_field": (1, 3)})
    assert refusals.add(engine, "churn", "2026-12-01", {"missing_field": (1, 2)})
    assert refusals.add(engine, "churn", "2026-12-02", {"too_many_records": (1, 20_000)})
    assert refusals.add(engine, "revenue", "2026-12-01", {"bad_json": (5, 0)})
    assert refusals.per_day(engine, "churn", "2026-12-01", "2026-12-02") == {
        "2026-12-01": {"bad_json": (1, 0), "missing_field": (2, 5)},
        "2026-12-02": {"too_many_records": (1, 20_000)},
    }
    assert refusals.per_day(engine, "churn", "2026-12-02", "2026-12-02") == {
        "2026-12-02": {"too_many_records": (1, 20_000)}
    }


def test_dq005_refused_values_get_stable_reason_codes() -> None:
    schema = [
        FeatureSpec("n", "numeric", minimum=0.0, maximum=1.0),
        FeatureSpec("c", "categorical", categories=("a", "b")),
        FeatureSpec("d", "datetime"),
    ]
    records = [
        {"c": "a", "d": "2024-01-01"},  # n missing
        {"n": "x", "c": "a", "d": "2024-01-01"},  # wrong type
        {"n": 0.5, "c": "zzz", "d": "9999-01-01"},  # unknown category and a date out of range: one record
        {"n": None, "c": ["a"], "d": 5},  # null required, then two wrong types
        "not a record",
        {"n": 0.5, "c": "b", "d": "2024-01-01"},  # valid
    ]
    _frame, errors, _warnings = validate_records(records, schema)
    assert refusals.record_reasons(errors) == {
        "missing_field": 2,
        "wrong_type": 2,
        "out_of_schema": 1,
        "not_an_object": 1,
    }
    assert refusals.request_reason(413, "20001 records is more than the limit") == "too_many_records"
    assert refusals.request_reason(413, "the request body is larger") == "too_large"
    assert refusals.request_reason(400, "the body is not valid JSON") == "bad_json"
    assert refusals.request_reason(400, '"records" is empty') == "bad_body"


def test_dq006_a_date_up_to_its_logging_day_is_not_above_the_range() -> None:
    dates = FeatureSpec("signup", "datetime", minimum="2020-01-01T00:00:00", maximum="2021-01-01T00:00:00")
    texts = ["2019-06-01T00:00:00", "2021-03-01T00:00:00", "2021-03-02T23:00:00", "2021-03-04T00:00:00", None]
    stamps = pd.Series(pd.to_datetime(texts))
    logged_until = dt.datetime(2021, 3, 3, tzinfo=dt.UTC)  # rows logged on 2 March 2021 (UTC)
    # Only the date after its row was logged is out of place; the earlier one is still below.
    assert count_column(stamps, dates, logged_until) == FeatureCounts(5, 1, 1, 1)
    assert count_column(stamps, dates) == FeatureCounts(5, 1, 1, 3)


def test_dq007_a_large_day_is_counted_on_a_sample_scaled_to_its_rows(fresh_log, monkeypatch) -> None:  # noqa: F811
    app, engine, plog = fresh_log
    record, result, frame = clean_rows(app, 400)
    entries = plog.entries(result, frame, new_prediction_ids(400), "api", None, "ana")
    for index, entry in enumerate(entries):
        if index % 4 == 0:  # a quarter of the day's rows name an unseen plan
            entry["features"] = json.dumps({**json.loads(entry["features"]), "plan": "gold"})
        entry["created_at"] = f"{DAY_ONE}T{index // 60:02d}:{index % 60:02d}:00+00:00"
    assert plog.write(entries)
    monkeypatch.setattr(quality, "DAY_SAMPLE_ROWS", 100)
    view = quality.quality_view(engine, record, [DAY_ONE], min_rows=4)
    (day,) = view.days
    assert day.sampled and day.rows == 400 and view.rows == 400
    plan = day.features["plan"]
    assert plan.rows == 400 and 0.12 < plan.share(plan.unseen) < 0.38
    assert plan.unseen_values[0][0] == "gold" and plan.unseen_values[0][1] == plan.unseen
    assert "counted on a uniform sample" in view.status_text
    assert quality_document(record, "7d", view, None)["days"][0]["sampled"] is True  # the REST answer says so
    monkeypatch.setattr(quality, "DAY_SAMPLE_ROWS", 1000)
    whole = quality.quality_view(engine, record, [DAY_ONE], min_rows=4)
    assert not whole.days[0].sampled and whole.days[0].features["plan"].unseen == 100


def test_dq008_sample_counts_stretch_to_the_rows_they_stand_for() -> None:
    sample = FeatureCounts(100, 10, 1, 2, 25, (("gold", 20), ("mars", 5)))
    assert sample.scaled(400) == FeatureCounts(400, 40, 4, 8, 100, (("gold", 80), ("mars", 20)))
    assert sample.scaled(100) is sample and FeatureCounts().scaled(50) == FeatureCounts()
