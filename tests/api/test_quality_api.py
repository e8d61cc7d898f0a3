"""GET /api/v1/models/<name>/quality and the refusals it counts, through real requests to the API."""

from __future__ import annotations

import datetime as dt

import jsonschema
import sqlalchemy as sa

from portal.api.openapi import openapi_document
from portal.app import create_app
from portal.db.data_quality import api_refusals
from tests.api.test_predict_api import _valid_record

PREDICT = "/api/v1/models/churn/predict"


def _refuse_one_of_each(client, record: dict) -> None:
    """One predict request per reason code, each with the status its client sees."""
    missing = {k: v for k, v in record.items() if k != "tenure_months"}
    cases = [
        (client.post(PREDICT, data="{", content_type="application/json"), 400),
        (client.post(PREDICT, data="records=1", content_type="text/plain"), 415),
        (client.post(PREDICT, json={"rows": [record]}), 400),
        (client.post(PREDICT, json={"records": [record] * 3}), 413),
        (client.post(PREDICT, json={"records": [record], "version": 9}), 404),
        (
            client.post(
                PREDICT,
                json={"records": [{**missing, "plan": "gold"}, {**record, "seats": "many"}]},
            ),
            422,
        ),
    ]
    for response, status in cases:
        assert response.status_code == status, response.get_json()
        response.close()


def _table(app) -> dict[tuple[str, str], tuple[int, int]]:
    engine = app.server.extensions["portal.services"].engine
    with engine.connect() as connection:
        rows = connection.execute(sa.select(api_refusals)).all()
    return {(m, r): (q, n) for m, _day, r, q, n in rows}


def test_qapi001_refusals_are_counted_by_reason_across_workers_and_restarts(make_settings, data_dir) -> None:
    settings = make_settings(PORTAL_API_MAX_RECORDS="2")
    workers = [create_app(settings) for _ in range(2)]
    record = _valid_record(data_dir)
    for worker in workers:
        _refuse_one_of_each(worker.server.test_client(), record)
    client = workers[0].server.test_client()
    # A request naming no registered model is refused but adds no row.
    assert client.post(
        "/api/v1/models/nope/predict", data="{", content_type="application/json"
    ).status_code in (
        400,
        404,
    )
    assert client.post(PREDICT, json={"records": [record]}).status_code == 200
    expected = {
        "bad_json": (2, 0),
        "not_json": (2, 0),
        "bad_body": (2, 0),
        "too_many_records": (2, 6),
        "unknown_version": (2, 0),
        "missing_field": (2, 2),
        "out_of_schema": (2, 2),
        "wrong_type": (2, 2),
    }
    restarted = create_app(settings)
    assert _table(restarted) == {("churn", reason): counts for reason, counts in expected.items()}
    body = restarted.server.test_client().get("/api/v1/models/churn/quality?window=7d").get_json()
    assert {r["reason"]: (r["requests"], r["rows"]) for r in body["refused"]} == expected
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert body["days"][-1]["day"] == today
    assert {r["reason"] for r in body["days"][-1]["refused"]} == set(expected)
    for app in (*workers, restarted):
        app.server.extensions["portal.services"].prediction_log.stop()


def test_qapi002_answer_shape_and_not_enough_data(client, data_dir) -> None:
    record = _valid_record(data_dir)
    response = client.post(PREDICT, json={"records": [record, {**record, "tenure_months": 500}]})
    assert response.status_code == 200
    assert response.get_json()["warnings"], "an out-of-range value is served with a warning"
    body = client.get("/api/v1/models/churn/quality").get_json()
    spec = openapi_document()
    schema = spec["paths"]["/models/{name}/quality"]["get"]["responses"]["200"]["content"]["application/json"]
    jsonschema.validate(body, {**schema["schema"], "components": spec["components"]})
    assert body["window"] == "7d" and body["window_note"]
    assert body["status"] == "not enough data"
    assert body["text"] == "Not enough data: 2 rows, needs 100"
    assert [d["rows"] for d in body["days"]] == [0, 0, 0, 0, 0, 0, 2]
    assert not any(d["sampled"] for d in body["days"]), "small days are counted whole"
    tenure = next(f for f in body["features"] if f["feature"] == "tenure_months")
    assert (tenure["rows"], tenure["above_max"], tenure["out_of_range_share"]) == (2, 1, 0.5)
    assert [p["out_of_range"] for p in tenure["periods"]] == [0, 0, 0, 0, 0, 0, 1]
    assert tenure["periods"][0]["out_of_range_share"] is None and not tenure["periods"][-1]["enough"]
    plan = next(f for f in body["features"] if f["feature"] == "plan")
    assert (plan["kind"], plan["unseen"], plan["unseen_share"], plan["missing_share"]) == (
        "categorical",
        0,
        0.0,
        0.0,
    )


def test_qapi003_bad_windows_versions_and_models(client) -> None:
    for query, status, fragment in [
        ("window=batch:abc", 400, "kept per day"),
        ("window=1y", 400, "7d, 30d, 90d or month:YYYY-MM"),
        ("window=month:2026-13", 400, "is not YYYY-MM"),
        ("version=0", 400, "positive integer"),
        ("window=7d&window=30d", 400, "given 2 times"),
        ("version=7", 404, "version"),
    ]:
        response = client.get(f"/api/v1/models/churn/quality?{query}")
        assert response.status_code == status, (query, response.get_json())
        assert fragment in response.get_json()["error"]["message"], query
    assert client.get("/api/v1/models/nope/quality").status_code == 404
