"""Logged predictions read back as typed frames, per window, and cached until new rows arrive."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from portal.predlog import windows as logged_data


def _predict(client, frame: pd.DataFrame, features: list[str]) -> list[str]:
    records = json.loads(frame[features].to_json(orient="records", date_format="iso"))
    body = client.post("/api/v1/models/churn/predict", json={"records": records}).get_json()
    return [p["prediction_id"] for p in body["predictions"]]


def test_lgd001_api_predictions_come_back_typed_with_probabilities(app, client) -> None:
    services = app.server.extensions["portal.services"]
    record = services.registry.get("churn")
    reference = services.registry.reference("churn", record.version)
    ids = _predict(client, reference.head(25), record.feature_names)
    spec = logged_data.WindowSpec("churn")
    window = logged_data.load_window(services.engine, spec, record.schema)
    assert window.meta["prediction_id"].tolist() == sorted(ids) or set(window.meta["prediction_id"]) == set(
        ids
    )
    assert window.rows == 25
    logged = window.features.set_index(window.meta["prediction_id"]).loc[ids].reset_index(drop=True)
    expected = reference.head(25)[record.feature_names].reset_index(drop=True)
    numeric = [s.name for s in record.schema if s.kind == "numeric"]
    pd.testing.assert_frame_equal(logged[numeric], expected[numeric].astype(float), check_dtype=False)
    assert logged["plan"].tolist() == expected["plan"].astype(object).tolist()
    probability = logged_data.positive_probability(window, record.classes[-1])
    assert probability is not None and probability.between(0, 1).all()


def test_lgd002_windows_filter_by_time_and_refresh_when_rows_arrive(app, client) -> None:
    services = app.server.extensions["portal.services"]
    record = services.registry.get("churn")
    reference = services.registry.reference("churn", record.version)
    _predict(client, reference.head(5), record.feature_names)
    today = logged_data.last_days("churn", 1)
    first = logged_data.load_window(services.engine, today, record.schema)
    assert first.rows == 5
    assert logged_data.load_window(services.engine, today, record.schema) is first
    _predict(client, reference.iloc[5:8], record.feature_names)
    assert logged_data.load_window(services.engine, today, record.schema).rows == 8
    past = logged_data.month("churn", "2001-01")
    assert logged_data.load_window(services.engine, past, record.schema).rows == 0
    nothing = logged_data.WindowSpec("churn", until=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    assert logged_data.load_window(services.engine, nothing, record.schema).rows == 0


@pytest.mark.parametrize("raw", ["2026-13", "26-01", "yesterday", ""])
def test_lgd003_bad_month_is_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        logged_data.month("churn", raw)


def test_lgd004_rolling_windows_are_stable_within_a_minute_so_caches_hit() -> None:
    first, second = logged_data.last_days("churn", 30), logged_data.last_days("churn", 30)
    assert first == second and hash(first) == hash(second)
    assert first.since is not None and first.since.second == 0 and first.since.microsecond == 0
    assert first.until is None
