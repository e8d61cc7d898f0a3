"""The prediction log: one row per prediction from each source, spooled while the database is down."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from models import inference
from portal.db import migrate
from portal.db.engine import create_engine
from portal.db.prediction_log import prediction_log
from portal.predlog.recorder import PredictionLog


def api_records(data_dir: Path, rows: int) -> list[dict]:
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    features = [f["name"] for f in metadata["features"]]
    frame = pd.read_parquet(metadata["population"]).head(rows)[features]
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def logged(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql(sa.select(prediction_log), connection)


def test_plg001_api_predictions_are_logged_once_each_with_their_ids(app, client, data_dir) -> None:
    records = api_records(data_dir, 5)
    reply = client.post("/api/v1/models/churn/predict", json={"records": records})
    assert reply.status_code == 200
    body = reply.get_json()
    table = logged(app.server.extensions["portal.database"])
    assert sorted(table["prediction_id"]) == sorted(p["prediction_id"] for p in body["predictions"])
    assert set(table["source"]) == {"api"} and set(table["user_name"]) == {"anonymous"}
    assert set(table["model_name"]) == {"churn"} and set(table["model_version"]) == {1}
    first = table.set_index("prediction_id").loc[body["predictions"][0]["prediction_id"]]
    assert json.loads(first["features"])["plan"] == records[0]["plan"]
    output = json.loads(first["output"])
    assert output["prediction"] == body["predictions"][0]["prediction"]
    assert output["probabilities"] == pytest.approx(body["predictions"][0]["probabilities"])


def _churn_prediction(app, rows: int = 3):
    services = app.server.extensions["portal.services"]
    record = services.registry.get("churn")
    frame = services.registry.reference("churn", record.version).head(rows)[record.feature_names]
    result = inference.predict(services.registry, services.inference_cache, "churn", frame, record.version)
    return result, frame.reset_index(drop=True)


def test_plg002_entries_spool_while_the_table_is_missing_and_replay_exactly_once(app, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")  # no migrations yet: inserts fail
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    result, frame = _churn_prediction(app)
    first = plog.record_frame(result, frame, source="ui")
    second = plog.record_frame(result, frame, source="api")
    assert len(list((tmp_path / "spool").glob("*.jsonl"))) == 1
    assert plog.flush() == 0, "the database is still unusable"
    migrate.upgrade(engine)
    assert plog.flush() == 6
    assert plog.flush() == 0, "a replayed spool is gone"
    table = logged(engine)
    assert list(table.sort_values("created_at", kind="stable")["prediction_id"]) == first + second
    assert not list((tmp_path / "spool").glob("*.jsonl"))


def test_plg003_a_replay_interrupted_after_inserting_does_not_duplicate(app, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    result, frame = _churn_prediction(app, rows=4)
    ids = plog.record_frame(result, frame)
    migrate.upgrade(engine)
    files = (tmp_path / "spool").glob("*.jsonl")
    spooled = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    plog._insert(spooled[:2])  # as if a previous replay died after its first chunk
    assert plog.flush() == 4
    assert sorted(logged(engine)["prediction_id"]) == sorted(ids)


def test_plg004_a_torn_last_line_is_ignored_and_the_rest_replayed(app, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    plog = PredictionLog(engine, tmp_path / "spool", flush_interval=3600)
    result, frame = _churn_prediction(app, rows=2)
    ids = plog.record_frame(result, frame)
    (path,) = (tmp_path / "spool").glob("*.jsonl")
    with path.open("ab") as handle:
        handle.write(b'{"prediction_id": "torn')
        os.fsync(handle.fileno())
    migrate.upgrade(engine)
    assert plog.flush() == 2
    assert sorted(logged(engine)["prediction_id"]) == sorted(ids)
