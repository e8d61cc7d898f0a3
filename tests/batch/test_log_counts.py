"""Exactly one log row per prediction from each source (what-if, API, batch), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from portal.batch.jobs import score_batch, validate_upload
from portal.db import migrate
from portal.db.engine import create_engine
from portal.db.prediction_log import prediction_log
from tests.batch.conftest import upload


def _whatif_predict(client, features: dict) -> dict:
    """Call the what-if page's predict callback as the browser does."""
    field = "whatif-field"
    inputs = [
        {"id": {"feature": name, "type": field}, "property": "value", "value": value}
        for name, value in features.items()
    ]
    ids = [{"id": item["id"], "property": "id", "value": item["id"]} for item in inputs]
    body = {
        "output": "..whatif-result.children...whatif-contributions.figure...whatif-errors.children..",
        "outputs": [
            {"id": "whatif-result", "property": "children"},
            {"id": "whatif-contributions", "property": "figure"},
            {"id": "whatif-errors", "property": "children"},
        ],
        "inputs": [inputs],
        "state": [
            ids,
            {"id": "whatif-model", "property": "value", "value": "churn"},
            {"id": "whatif-version", "property": "value", "value": None},
        ],
        "changedPropIds": [json.dumps(inputs[0]["id"], separators=(",", ":"), sort_keys=True) + ".value"],
    }
    reply = client.post("/_dash-update-component", json=body)
    assert reply.status_code == 200, reply.get_data(as_text=True)[:500]
    return reply.get_json()


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                prediction_log.c.source,
                sa.func.count(),
                sa.func.count(sa.distinct(prediction_log.c.prediction_id)),
            ).group_by(prediction_log.c.source)
        ).all()
    for _source, total, distinct in rows:
        assert total == distinct
    return {source: total for source, total, _ in rows}


def _exercise_every_source(app, good_frame: pd.DataFrame) -> None:
    client = app.server.test_client()
    services = app.server.extensions["portal.services"]
    record = services.registry.get("churn")
    features = json.loads(good_frame[record.feature_names].to_json(orient="records", date_format="iso"))
    for row in features[:2]:
        row["signup_date"] = row["signup_date"][:10]
    # The same what-if inputs twice: the second comes from the cache but is still shown, so still logged.
    for row in (features[0], features[1], features[1]):
        result = _whatif_predict(client, row)
        assert "Predicted class" in json.dumps(result["response"]["whatif-result"])
    reply = client.post("/api/v1/models/churn/predict", json={"records": features[:5]})
    assert reply.status_code == 200
    batch_id = upload(client, good_frame.to_csv(index=False).encode(), "a.csv").get_json()["batch_id"]
    assert validate_upload(services, batch_id, lambda *_: None).ok
    assert score_batch(services, batch_id, lambda *_: None).ok


def test_plc001_one_row_per_prediction_per_source_on_sqlite(app, good_frame) -> None:
    _exercise_every_source(app, good_frame)
    assert _counts(app.server.extensions["portal.database"]) == {"ui": 3, "api": 5, "batch": len(good_frame)}


@pytest.mark.postgres
def test_plc002_one_row_per_prediction_per_source_on_postgres(
    make_settings, postgres_database_url, good_frame
) -> None:
    from portal.app import create_app

    engine = create_engine(postgres_database_url)
    migrate.upgrade(engine)
    app = create_app(make_settings(PORTAL_DATABASE_URL=postgres_database_url))
    try:
        _exercise_every_source(app, good_frame)
        assert _counts(engine) == {"ui": 3, "api": 5, "batch": len(good_frame)}
    finally:
        app.server.extensions["portal.services"].prediction_log.stop()
        app.server.extensions["portal.database"].dispose()
        engine.dispose()
