"""The Drift page's data: window choices, bad window values, and drift of the demo history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from models import monitoring
from portal.monitoring import drift as drift_service
from portal.predlog.demo_history import backfill
from tests.conftest import DEMO_HISTORY_END


@pytest.fixture()
def services(app):
    services = app.server.extensions["portal.services"]
    assert (
        backfill(services.registry, services.prediction_log, "churn", months=6, anchor=DEMO_HISTORY_END) > 0
    )
    return services


def test_dsv001_windows_list_rolling_months_and_default_to_one_with_rows(services, app) -> None:
    with app.server.app_context():
        options = drift_service.window_options(services, "churn")
    values = [o["value"] for o in options]
    assert values[:3] == ["7d", "30d", "90d"]
    assert "month:2026-10" in values and "month:2026-05" in values
    assert "month:2026-04" not in values
    chosen = drift_service.default_window(services, "churn", options)
    assert chosen in values


@pytest.mark.parametrize("raw", ["", "1y", "month:2026-13", "month:", "batch:../../etc", "batch:" + "a" * 40])
def test_dsv002_bad_window_values_say_what_is_allowed(raw: str) -> None:
    with pytest.raises(drift_service.WindowError):
        drift_service.window_spec("churn", None, raw)


def test_dsv003_shifted_months_drift_more_than_stable_ones(services, app) -> None:
    record = services.registry.get("churn")
    with app.server.app_context():
        shifted = drift_service.drift_view(
            services, record, drift_service.window_spec("churn", None, "month:2026-10")
        )
        stable = drift_service.drift_view(
            services, record, drift_service.window_spec("churn", None, "month:2026-05")
        )
    assert shifted.window_rows > 100 and stable.window_rows > 100
    assert "monthly_charges" in shifted.result.drifted_features
    assert shifted.result.drifted_share > stable.result.drifted_share
    assert set(shifted.history["feature"]) == set(record.feature_names) - {"snapshot_month", "customer_id"}
    assert not shifted.spread.empty and {"q10", "q50", "q90"} <= set(shifted.spread.columns)
    assert 0 < shifted.reference_quantiles["q50"] < 1


def test_dsv004_monitoring_helpers() -> None:
    start, end = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-20")
    assert monitoring.bucket_frequency(start, end) == "D"
    assert monitoring.bucket_frequency(start, pd.Timestamp("2026-06-01")) == "W"
    assert monitoring.bucket_frequency(start, pd.Timestamp("2028-01-01")) == "M"
    times = pd.Series(pd.to_datetime(["2026-01-05T10:00", "2026-01-06T01:00", "2026-01-13T00:00"], utc=True))
    assert monitoring.bucket_labels(times, "W").tolist() == ["2026-01-05", "2026-01-05", "2026-01-12"]
    table = monitoring.overlay(pd.Series(["a", "a", "b"]), pd.Series(["b", "c"]), "categorical")
    assert table.set_index("label").loc["c", "reference"] == 0.0
    assert table["current"].sum() == pytest.approx(1.0)
    numbers = monitoring.overlay(pd.Series([1.0, 2.0, 3.0]), pd.Series([2.0, 9.0]), "numeric", bins=4)
    assert numbers["reference"].sum() == pytest.approx(1.0) and len(numbers) == 4
    hourly = pd.Series(pd.date_range("2026-01-01", periods=300, freq="h", tz="UTC"))
    assert monitoring.choose_frequency(hourly, min_rows=20) == "D"
    assert monitoring.choose_frequency(hourly, min_rows=100) == "W"
    spread = monitoring.output_spread(pd.Series([0.1, 0.2, 0.9]), pd.Series(["w1", "w1", "w2"]))
    assert spread["rows"].tolist() == [2, 1]


def test_dsv005_configured_thresholds_change_the_verdict(make_settings) -> None:
    from portal.app import create_app

    lenient = create_app(
        make_settings(PORTAL_DRIFT_THRESHOLDS='{"churn": {"drift_share": 1.0, "wasserstein": 5}}')
    )
    services = lenient.server.extensions["portal.services"]
    backfill(services.registry, services.prediction_log, "churn", months=2, anchor=DEMO_HISTORY_END)
    record = services.registry.get("churn")
    with lenient.server.app_context():
        view = drift_service.drift_view(
            services, record, drift_service.window_spec("churn", None, "month:2026-10")
        )
    assert view.result.thresholds.wasserstein == 5
    assert not view.result.drifted


def test_dsv006_empty_window_has_no_rows(services, app) -> None:
    record = services.registry.get("churn")
    spec = drift_service.window_spec("churn", None, "7d", now=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    with app.server.app_context():
        view = drift_service.drift_view(services, record, spec)
    assert view.window_rows == 0 and not view.result.drifted


def test_dsv007_feature_table_downloads_as_csv(services, client) -> None:
    import io

    response = client.get("/export/drift.csv?model=churn&window=month:2026-10")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = pd.read_csv(io.StringIO(response.get_data(as_text=True)))
    assert {"feature", "test", "statistic", "threshold", "drifted", "psi"} <= set(table.columns)
    assert "monthly_charges" in set(table.loc[table["drifted"], "feature"])
    for path, status in (
        ("/export/drift.csv?model=churn&window=bogus", 400),
        ("/export/drift.csv?model=nope&window=7d", 404),
        ("/export/drift.csv?window=7d", 400),
        ("/export/drift.csv?model=churn&version=9&window=7d", 404),
    ):
        reply = client.get(path)
        assert reply.status_code == status, path
        assert reply.get_json()["error"]["message"]
