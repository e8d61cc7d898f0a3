"""The REST API: predictions match the model, bad payloads get clear errors, the spec tells the truth."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from portal.api.openapi import openapi_document


def reference_records(data_dir: Path, name: str, rows: int = 25) -> tuple[pd.DataFrame, list[dict]]:
    version_dir = data_dir / "models" / name / "1"
    metadata = json.loads((version_dir / "metadata.json").read_text())
    features = [f["name"] for f in metadata["features"]]
    frame = pd.read_parquet(version_dir / "reference.parquet").head(rows)[features]
    return frame, json.loads(frame.to_json(orient="records", date_format="iso"))


@pytest.mark.parametrize("name", ["churn", "revenue"])
def test_api001_predictions_equal_model_predict(client, data_dir: Path, name: str) -> None:
    frame, records = reference_records(data_dir, name)
    model = joblib.load(data_dir / "models" / name / "1" / "model.joblib")
    response = client.post(f"/api/v1/models/{name}/predict", json={"records": records})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 1 and body["model"] == name
    got = [p["prediction"] for p in body["predictions"]]
    expected = model.predict(frame)
    if name == "churn":
        assert got == expected.tolist()
        proba = np.array([[p["probabilities"][str(c)] for c in model.classes_] for p in body["predictions"]])
        np.testing.assert_allclose(proba, model.predict_proba(frame), atol=1e-6)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    ids = [p["prediction_id"] for p in body["predictions"]]
    assert len(set(ids)) == len(ids) == len(records)


def test_api002_models_listing_and_detail(client) -> None:
    listing = client.get("/api/v1/models").get_json()
    assert {m["name"]: m["active_version"] for m in listing["models"]} == {"churn": 1, "revenue": 1}
    detail = client.get("/api/v1/models/churn").get_json()
    assert detail["task"] == "classification"
    assert detail["classes"] == [0, 1]
    plan = next(f for f in detail["features"] if f["name"] == "plan")
    assert plan["type"] == "categorical" and plan["categories"]
    assert [v["version"] for v in detail["versions"]] == [1]


def _valid_record(data_dir: Path) -> dict:
    return reference_records(data_dir, "churn", rows=1)[1][0]


BAD_PAYLOADS = [
    # (description, body or raw text, content type, status, message fragment, field)
    ("not json", "{records: [", "application/json", 400, "not valid JSON", None),
    (
        "form post",
        "records=1",
        "application/x-www-form-urlencoded",
        415,
        "Content-Type: application/json",
        None,
    ),
    ("text/plain", '{"records": []}', "text/plain", 415, "application/json", None),
    ("array body", [], "json", 400, "JSON object", None),
    ("records missing", {}, "json", 400, '"records" must be a list', None),
    ("records not list", {"records": {"a": 1}}, "json", 400, '"records" must be a list', None),
    ("records empty", {"records": []}, "json", 400, "at least one row", None),
    (
        "unknown top-level",
        {"records": [{}], "model": "x"},
        "json",
        400,
        "unknown field(s): model; expected records, version",
        None,
    ),
    (
        "bad version",
        {"records": [{}], "version": "one"},
        "json",
        400,
        '"version" must be a positive integer',
        None,
    ),
    ("record not object", {"records": [5]}, "json", 422, "each record must be a JSON object", ""),
    ("missing field", "drop:tenure_months", "json", 422, "is missing", "tenure_months"),
    ("wrong type", "set:tenure_months=ten", "json", 422, "must be a number", "tenure_months"),
    ("bool as number", "set:tenure_months=true", "json", 422, "must be a number", "tenure_months"),
    (
        "unknown category",
        "set:contract=lifetime",
        "json",
        422,
        "unknown category 'lifetime'; allowed:",
        "contract",
    ),
    ("null required", "set:region=null", "json", 422, "is required", "region"),
    ("bad date", "set:signup_date=yesterday-ish", "json", 422, "is not an ISO date", "signup_date"),
    ("nested value", "set:plan=[1]", "json", 422, "single value", "plan"),
]


def _build(data_dir: Path, spec):
    if isinstance(spec, str) and spec.startswith(("drop:", "set:")):
        record = _valid_record(data_dir)
        action, rest = spec.split(":", 1)
        if action == "drop":
            del record[rest]
        else:
            field, raw = rest.split("=", 1)
            record[field] = json.loads(raw) if raw in {"true", "null"} or raw.startswith("[") else raw
        return {"records": [_valid_record(data_dir), record]}
    return spec


@pytest.mark.parametrize(
    ("description", "spec", "kind", "status", "fragment", "field"),
    BAD_PAYLOADS,
    ids=[p[0] for p in BAD_PAYLOADS],
)
def test_api003_bad_payloads_get_clear_errors(
    client, data_dir, description, spec, kind, status, fragment, field
):
    body = _build(data_dir, spec)
    if kind == "json":
        response = client.post("/api/v1/models/churn/predict", json=body)
    else:
        response = client.post("/api/v1/models/churn/predict", data=body, content_type=kind)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["status"] == status
    if field is None:
        assert fragment in error["message"]
    else:
        detail = error["details"][0]
        assert detail["row"] == (1 if isinstance(spec, str) else 0)
        assert detail["field"] == field
        assert fragment in detail["message"]


def test_api004_nan_and_infinity_are_refused(client, data_dir) -> None:
    record = _valid_record(data_dir)
    raw = json.dumps({"records": [record]}).replace(
        f'"tenure_months": {json.dumps(record["tenure_months"])}', '"tenure_months": NaN'
    )
    response = client.post("/api/v1/models/churn/predict", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert "finite" in response.get_json()["error"]["details"][0]["message"]
    raw_inf = raw.replace("NaN", "Infinity")
    response = client.post("/api/v1/models/churn/predict", data=raw_inf, content_type="application/json")
    assert response.status_code == 422


def test_api005_limits_give_413(make_settings, data_dir) -> None:
    from portal.app import create_app

    app = create_app(make_settings(PORTAL_API_MAX_RECORDS="3", PORTAL_API_MAX_BYTES="4096"))
    client = app.server.test_client()
    record = _valid_record(data_dir)
    too_many = client.post("/api/v1/models/churn/predict", json={"records": [record] * 4})
    assert too_many.status_code == 413
    assert "limit of 3" in too_many.get_json()["error"]["message"]
    too_big = client.post("/api/v1/models/churn/predict", json={"records": [record] * 3, "pad": "x" * 5000})
    assert too_big.status_code == 413
    assert "4,096 bytes" in too_big.get_json()["error"]["message"]


def test_api006_unknown_model_and_version_are_404(client, data_dir) -> None:
    record = _valid_record(data_dir)
    missing = client.post("/api/v1/models/nope/predict", json={"records": [record]})
    assert missing.status_code == 404
    assert "registered: churn, revenue" in missing.get_json()["error"]["message"]
    assert client.get("/api/v1/models/nope").status_code == 404
    no_version = client.post("/api/v1/models/churn/predict", json={"records": [record], "version": 9})
    assert no_version.status_code == 404
    assert client.get("/api/v1/no-such-route").get_json()["error"]["status"] == 404
    assert client.delete("/api/v1/models").get_json()["error"]["status"] == 405


def _flask_path(rule: str) -> str:
    return rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")


def test_api007_openapi_matches_the_routes(app, client) -> None:
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == json.loads(json.dumps(openapi_document()))
    routes = {
        (_flask_path(rule.rule), method.lower())
        for rule in app.server.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in served["paths"].items() for method in item}
    assert routes == documented


def test_api008_responses_match_the_openapi_schemas(client, data_dir) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    spec = openapi_document()
    resolver_root = {"components": spec["components"]}

    def check(path: str, method: str, status: int, body: dict) -> None:
        schema = spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"][
            "schema"
        ]
        jsonschema.validate(body, {**schema, **resolver_root})

    check("/models", "get", 200, client.get("/api/v1/models").get_json())
    check("/models/{name}", "get", 200, client.get("/api/v1/models/churn").get_json())
    check("/models/{name}", "get", 404, client.get("/api/v1/models/nope").get_json())
    ok = client.post("/api/v1/models/churn/predict", json={"records": [_valid_record(data_dir)]})
    check("/models/{name}/predict", "post", 200, ok.get_json())
    bad = client.post("/api/v1/models/churn/predict", json={"records": [{}]})
    check("/models/{name}/predict", "post", 422, bad.get_json())
