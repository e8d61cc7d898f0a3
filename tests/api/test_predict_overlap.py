"""Large predictions overlap their log work with scoring and encoding, and answer exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import portal.api.models as models_api
from portal.db.prediction_log import prediction_log
from portal.predlog.background import OVERLAP_ROWS

ROWS = OVERLAP_ROWS + 500


def _large_body(data_dir: Path) -> dict:
    version_dir = data_dir / "models" / "churn" / "1"
    features = [f["name"] for f in json.loads((version_dir / "metadata.json").read_text())["features"]]
    reference = pd.read_parquet(version_dir / "reference.parquet")[features]
    frame = reference.sample(ROWS, replace=True, random_state=3).reset_index(drop=True)
    return {"records": json.loads(frame.to_json(orient="records", date_format="iso"))}


def _services(app):
    return app.server.extensions["portal.services"]


def _logged(app, ids: list[str]) -> list[tuple]:
    """(features, output, source) of the logged rows, in the order of ``ids``."""
    c = prediction_log.c
    with _services(app).engine.connect() as connection:
        rows = connection.execute(
            sa.select(c.prediction_id, c.features, c.output, c.source).where(c.prediction_id.in_(ids))
        ).all()
    by_id = {row.prediction_id: (row.features, row.output, row.source) for row in rows}
    assert len(rows) == len(ids), "every prediction logged once"
    return [by_id[pid] for pid in ids]


def _without_ids(body: dict) -> tuple[dict, list[str]]:
    ids = [p.pop("prediction_id") for p in body["predictions"]]
    return body, ids


def test_ovl001_overlapped_answer_and_log_rows_equal_the_sequential_path(
    app, client, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _large_body(data_dir)
    overlapped, overlapped_ids = _without_ids(
        client.post("/api/v1/models/churn/predict", json=body).get_json()
    )
    monkeypatch.setattr(models_api, "OVERLAP_ROWS", 10**9)  # the request thread does everything
    sequential, sequential_ids = _without_ids(
        client.post("/api/v1/models/churn/predict", json=body).get_json()
    )
    assert len(overlapped["predictions"]) == ROWS
    assert overlapped == sequential
    assert _logged(app, overlapped_ids) == _logged(app, sequential_ids)


def test_ovl002_database_down_during_the_overlapped_commit_spools_and_drains(
    app, client, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plog = _services(app).prediction_log

    def down(rows: list) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(plog, "_insert_rows", down)
    response = client.post("/api/v1/models/churn/predict", json=_large_body(data_dir))
    assert response.status_code == 200, response.get_json()
    ids = [p["prediction_id"] for p in response.get_json()["predictions"]]
    assert list(plog.spool.folder.glob("*.jsonl")), "acknowledged rows are in the spool"
    monkeypatch.undo()
    plog._database.clear()
    assert plog.flush() == ROWS
    assert [source for *_, source in _logged(app, ids)] == ["api"] * ROWS


def test_ovl003_an_error_in_the_background_write_fails_the_request(
    app, client, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plog = _services(app).prediction_log

    def broken(*args, **kwargs) -> bool:
        raise RuntimeError("log write broke")

    monkeypatch.setattr(plog, "write_chunk", broken)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/api/v1/models/churn/predict", json=_large_body(data_dir))
    assert response.status_code == 500, "no answer for predictions that were not logged"
