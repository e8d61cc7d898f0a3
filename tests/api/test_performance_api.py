"""GET /api/v1/models/<name>/performance: estimated and realized per period, and its refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from models.training import register_fitted
from portal.api.openapi import openapi_document
from portal.predlog.demo_history import backfill
from tests.security.conftest import as_role, header_app  # noqa: F401 (fixture)
from tests.support.estimated_history import history_app, history_dir  # noqa: F401 (fixtures)


def _check(status: int, body: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    spec = openapi_document()
    operation = spec["paths"]["/models/{name}/performance"]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.validate(body, {**schema, "components": spec["components"]})


def test_perfapi001_weekly_estimates_beside_realized(history_app) -> None:  # noqa: F811
    client = history_app.server.test_client()
    response = client.get("/api/v1/models/churn/performance?source=live&period=week")
    assert response.status_code == 200
    body = response.get_json()
    _check(200, body)
    assert body["status"] == "estimated" and body["period"] == "week" and body["min_rows"] == 100
    assert body["metrics"] == ["accuracy", "precision", "recall", "f1", "roc_auc"]
    first = body["periods"][0]
    accuracy = first["estimated"]["accuracy"]
    assert first["status"] == "estimated" and first["rows"] > 300 and first["labels"] > 150
    assert accuracy["lower"] < accuracy["value"] < accuracy["upper"]
    assert accuracy["upper"] - accuracy["value"] == pytest.approx(3 * accuracy["standard_error"])
    assert 0.5 < first["realized"]["accuracy"] <= 1
    assert body["periods"][-1]["labels"] == 0 and "accuracy" not in body["periods"][-1]["realized"]
    days = client.get("/api/v1/models/revenue/performance?period=day").get_json()
    _check(200, days)
    assert days["metrics"] == ["mae", "rmse"] and days["calibrated"] is None


def test_perfapi002_not_enough_data_and_no_data(app) -> None:
    client = app.server.test_client()
    empty = client.get("/api/v1/models/churn/performance").get_json()
    _check(200, empty)
    assert empty["status"] == "no data" and empty["periods"] == []
    services = app.server.extensions["portal.services"]
    backfill(services.registry, services.prediction_log, "churn", months=1)
    thin = client.get("/api/v1/models/churn/performance?period=day").get_json()
    _check(200, thin)
    assert thin["status"] == "not enough data"
    assert all(p["status"] == "not enough data" and p["estimated"] == {} for p in thin["periods"])
    assert "not enough data" in thin["periods"][0]["note"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?period=month", 400, "period"),
        ("?source=reference", 400, "source"),
        ("?version=0", 400, "version"),
        ("?version=abc", 400, "version"),
        ("?window=7d", 400, "unknown parameter"),
        ("?period=day&period=week", 400, "once"),
        ("?version=99", 404, "99"),
    ],
)
def test_perfapi003_bad_parameters_are_named(app, query: str, status: int, message: str) -> None:
    response = app.server.test_client().get(f"/api/v1/models/churn/performance{query}")
    assert response.status_code == status
    _check(status, response.get_json())
    assert message in response.get_json()["error"]["message"]
    assert app.server.test_client().get("/api/v1/models/nope/performance").status_code == 404


def test_perfapi004_viewers_may_read_anonymous_may_not(header_app) -> None:  # noqa: F811
    client = header_app.server.test_client()
    assert client.get("/api/v1/models/churn/performance", **as_role("viewer")).status_code == 200
    assert client.get("/api/v1/models/churn/performance", **as_role(None)).status_code == 401


def test_perfapi005_a_multiclass_model_is_unavailable_with_its_reason(app) -> None:
    services = app.server.extensions["portal.services"]
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = np.where(x["a"] > 0.5, "high", np.where(x["a"] < -0.5, "low", "mid"))
    register_fitted(services.registry, "tier", LogisticRegression().fit(x, y), x.assign(tier=y), "tier")
    body = app.server.test_client().get("/api/v1/models/tier/performance").get_json()
    _check(200, body)
    assert body["status"] == "unavailable" and "3 classes" in body["reason"]
