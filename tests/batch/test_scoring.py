"""Scoring a batch: the result equals the model's own predictions, cancelling or dying leaves nothing."""

from __future__ import annotations

import io
import os
import signal
import time

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from models import batch_scoring
from portal.batch.jobs import score_batch, store_for, validate_upload
from tests.batch.conftest import upload


def _scored(client, services, frame: pd.DataFrame, name: str = "a.csv") -> tuple[str, object]:
    batch_id = upload(client, frame.to_csv(index=False).encode(), name).get_json()["batch_id"]
    assert validate_upload(services, batch_id, lambda *_: None).ok
    return batch_id, score_batch(services, batch_id, lambda *_: None)


def test_sco001_scored_file_equals_model_predict_in_chunks(client, services, good_frame, monkeypatch) -> None:
    monkeypatch.setattr(batch_scoring, "SCORING_CHUNK_ROWS", 7)  # several chunks, a short last one
    batch_id, outcome = _scored(client, services, good_frame)
    assert outcome.ok, outcome.message
    scored = pd.read_csv(io.BytesIO(client.get(f"/batch/{batch_id}/result.csv").data))
    loaded = services.registry.load("churn")
    features = good_frame[loaded.version.feature_names]
    expected = loaded.estimator.predict(features)
    probabilities = loaded.estimator.predict_proba(features)
    assert list(scored.columns) == [
        *good_frame.columns,
        "prediction",
        "probability_0",
        "probability_1",
        "prediction_id",
    ]
    assert scored["prediction"].tolist() == expected.tolist()
    np.testing.assert_allclose(scored[["probability_0", "probability_1"]], probabilities, atol=1e-6)
    pd.testing.assert_series_equal(scored["customer_id"], good_frame["customer_id"], check_dtype=False)
    assert scored["prediction_id"].is_unique


def test_sco002_every_download_is_formula_safe_and_numbers_stay_numbers(client, services, good_frame) -> None:
    frame = good_frame.copy()
    frame["note"] = ['=HYPERLINK("http://evil","x")', "-3", "@SUM(A1)", "+1+1"] * 10
    frame.insert(0, "=cmd", "plain")
    batch_id, outcome = _scored(client, services, frame)
    assert outcome.ok, outcome.message
    text = pd.read_csv(io.BytesIO(client.get(f"/batch/{batch_id}/result.csv").data), dtype=str)
    assert text.columns[0] == "'=cmd"
    assert text["note"].head(4).tolist() == ['\'=HYPERLINK("http://evil","x")', "-3", "'@SUM(A1)", "'+1+1"]
    parquet = pd.read_parquet(io.BytesIO(client.get(f"/batch/{batch_id}/result.parquet").data))
    assert parquet["note"].head(4).tolist() == text["note"].head(4).tolist()
    assert parquet["monthly_charges"].dtype == float
    sheet = load_workbook(
        io.BytesIO(client.get(f"/batch/{batch_id}/result.xlsx").data), read_only=True
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[0] == "'=cmd"
    notes = [row[header.index("note")] for row in rows[1:5]]
    assert notes == text["note"].head(4).tolist()
    assert isinstance(rows[1][header.index("monthly_charges")], float)
    assert isinstance(rows[1][header.index("probability_1")], float)


def test_sco003_cancel_stops_scoring_and_leaves_no_download(
    client, services, good_frame, monkeypatch
) -> None:
    monkeypatch.setattr(batch_scoring, "SCORING_CHUNK_ROWS", 5)
    store = store_for(services)
    batch_id = upload(client, good_frame.to_csv(index=False).encode(), "a.csv").get_json()["batch_id"]
    assert validate_upload(services, batch_id, lambda *_: None).ok
    seen = []

    def progress(done: int, total: int | None) -> None:
        seen.append(done)
        if done == 10:
            assert store.cancel(batch_id)  # what the Cancel button does while the job runs

    outcome = score_batch(services, batch_id, progress)
    assert not outcome.ok and "cancelled" in outcome.message
    assert seen == [5, 10], "scoring stopped at the next chunk"
    assert store.get(batch_id).status == "cancelled"
    assert client.get(f"/batch/{batch_id}/result.csv").status_code == 409
    assert not [p.name for p in store.folder(batch_id).iterdir() if p.name.startswith("result")]


def test_sco004_a_killed_worker_leaves_a_failed_state_and_no_result(
    client, services, good_frame, monkeypatch
) -> None:
    monkeypatch.setattr(batch_scoring, "SCORING_CHUNK_ROWS", 5)
    store = store_for(services)
    batch_id = upload(client, good_frame.to_csv(index=False).encode(), "a.csv").get_json()["batch_id"]
    assert validate_upload(services, batch_id, lambda *_: None).ok
    pid = os.fork()
    if pid == 0:  # the job's process: score slowly until killed
        try:
            score_batch(services, batch_id, lambda *_: time.sleep(30))
        finally:
            os._exit(0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (store.get(batch_id).rows_done or 0) < 5:
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert store.get(batch_id).status == "running"
    assert client.get(f"/batch/{batch_id}/result.csv").status_code == 409
    monkeypatch.setattr("portal.batch.store.STALE_SECONDS", 0)
    failed = store.get(batch_id)
    assert failed.status == "failed" and "worker stopped" in failed.message
    assert not [
        p.name for p in store.folder(batch_id).iterdir() if p.name in {"result.csv", "result.parquet"}
    ]
    # A failed batch can be scored again, and then it completes.
    monkeypatch.setattr("portal.batch.store.STALE_SECONDS", 120)
    assert score_batch(services, batch_id, lambda *_: None).ok
    assert client.get(f"/batch/{batch_id}/result.csv").status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_sco005_downloads_of_unknown_or_unfinished_batches_are_clear(
    client, services, good_frame, fmt
) -> None:
    assert client.get(f"/batch/{'0' * 32}/result.{fmt}").status_code == 404
    assert client.get(f"/batch/not-an-id/result.{fmt}").status_code == 404
    batch_id = upload(client, good_frame.to_csv(index=False).encode(), "a.csv").get_json()["batch_id"]
    reply = client.get(f"/batch/{batch_id}/result.{fmt}")
    assert reply.status_code == 409 and "pending" in reply.get_json()["error"]["message"]


def test_sco006_retention_expires_old_batches(client, services, good_frame) -> None:
    import datetime as dt

    import sqlalchemy as sa

    from portal.db.batches import batch_jobs

    batch_id, outcome = _scored(client, services, good_frame)
    assert outcome.ok
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=services.settings.batch_retention_days + 1)
    with services.engine.begin() as connection:
        connection.execute(
            batch_jobs.update().where(batch_jobs.c.batch_id == batch_id).values(created_at=old)
        )
    assert store_for(services).cleanup(services.settings.batch_retention_days) == 1
    assert not store_for(services).folder(batch_id).exists()
    reply = client.get(f"/batch/{batch_id}/result.csv")
    assert reply.status_code == 410 and "retention" in reply.get_json()["error"]["message"]
    with services.engine.connect() as connection:
        status = connection.execute(
            sa.select(batch_jobs.c.status).where(batch_jobs.c.batch_id == batch_id)
        ).scalar()
    assert status == "expired"
