"""A large predict request: logged once per record with the row path's bytes, scored without the cache."""

from __future__ import annotations

import pandas as pd

from models import inference
from models.schema import validate_records
from portal.predlog.documents import feature_documents
from tests.predlog.test_prediction_log import api_records, logged


def test_lrg001_a_large_request_logs_the_row_path_bytes_once_per_record(app, client, data_dir) -> None:
    records = api_records(data_dir, 1207)  # 12 statements of 100 rows and 7 rows left over
    reply = client.post("/api/v1/models/churn/predict", json={"records": records})
    assert reply.status_code == 200, reply.get_json()
    ids = [p["prediction_id"] for p in reply.get_json()["predictions"]]
    table = logged(app.server.extensions["portal.database"]).set_index("prediction_id")
    assert len(table) == len(records) and table.index.is_unique
    schema = app.server.extensions["portal.services"].registry.get("churn").schema
    frame, errors, _ = validate_records(records, schema)
    assert not errors
    assert list(table.loc[ids, "features"]) == feature_documents(frame)


def test_lrg002_frames_past_the_cache_limit_are_scored_every_time_and_never_stored(app) -> None:
    services = app.server.extensions["portal.services"]
    record = services.registry.get("churn")
    reference = services.registry.reference("churn", record.version)[record.feature_names]
    big = reference.sample(inference.CACHED_ROWS + 1, replace=True, random_state=1).reset_index(drop=True)
    small = big.head(5)
    scored: list[int] = []

    def scorer(loaded, frame):
        scored.append(len(frame))
        return inference.predict_uncached(loaded, frame)

    def twice(frame: pd.DataFrame) -> list[inference.Prediction]:
        cache = services.inference_cache
        return [inference.predict(services.registry, cache, "churn", frame, 1, scorer) for _ in range(2)]

    first, second = twice(big)
    assert first == second and scored == [len(big)] * 2, "a large frame is computed for each call"
    twice(small)
    assert scored[2:] == [5], "a small frame is computed once, then served from the cache"
