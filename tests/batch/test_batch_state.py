"""The batch folder is the job's state: kept chunks are what gets scored, and rows follow the disk."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import sqlalchemy as sa

from portal.batch import manifest as batch_manifest
from portal.batch.jobs import score_batch, store_for, validate_upload
from portal.batch.store import BatchStore
from portal.db.batches import batch_jobs
from portal.db.engine import create_engine
from tests.batch.conftest import upload
from tests.support.servers import free_port


def test_bst001_scoring_uses_the_validated_chunks_not_a_second_read(client, services, good_frame) -> None:
    batch_id = upload(client, good_frame.to_csv(index=False).encode(), "a.csv").get_json()["batch_id"]
    assert validate_upload(services, batch_id, lambda *_: None).ok
    folder = store_for(services).folder(batch_id)
    assert [p.name for p in folder.glob("validated-v*")] == ["validated-v1"]
    (folder / "upload.csv").write_bytes(b"not,the,file\n1,2,3\n")  # a second read would fail
    outcome = score_batch(services, batch_id, lambda *_: None)
    assert outcome.ok, outcome.message
    scored = pd.read_csv(io.BytesIO(client.get(f"/batch/{batch_id}/result.csv").data))
    assert list(scored["customer_id"]) == list(good_frame["customer_id"])
    assert not list(folder.glob("validated-v*")), "kept chunks are dropped once the result exists"


def test_bst002_expiry_with_the_database_down_reaches_it_later(client, services, good_frame) -> None:
    batch_id = upload(client, good_frame.to_csv(index=False).encode(), "old.csv").get_json()["batch_id"]
    assert validate_upload(services, batch_id, lambda *_: None).ok
    assert score_batch(services, batch_id, lambda *_: None).ok
    root = services.settings.data_dir / "batches"
    folder = root / batch_id
    with batch_manifest.locked(folder):
        data = batch_manifest.read(folder)
        data["created_at"] = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        batch_manifest.write(folder, data)
    dead = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing")
    down = BatchStore(dead, root)
    assert down.cleanup(7) == 1
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "batch.json"]
    history = down.history()
    assert not history.complete
    assert [(b.batch_id, b.status) for b in history.batches] == [(batch_id, "expired")]
    assert down.unsynced() == [batch_id]

    up = store_for(services)
    assert up.sync() == 1
    assert not folder.exists() and up.unsynced() == []
    with services.engine.connect() as connection:
        rows = connection.execute(
            sa.select(batch_jobs.c.status).where(batch_jobs.c.batch_id == batch_id)
        ).all()
    assert [row.status for row in rows] == ["expired"]
    assert client.get(f"/batch/{batch_id}/result.csv").status_code == 410
    dead.dispose()
