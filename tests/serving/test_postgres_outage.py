"""With the PostgreSQL prediction log stopped, predictions are still served and no log entry is lost.

The portal runs under a real gunicorn against a private PostgreSQL cluster that this test stops
and restarts (never the shared server). Entries made during the outage wait in the local spool
and reach the database exactly once after it returns.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
import sqlalchemy as sa

from portal.db import migrate
from portal.db.engine import create_engine
from tests.conftest import base_env
from tests.support.private_postgres import private_postgres
from tests.support.servers import start_gunicorn

pytestmark = [pytest.mark.gunicorn, pytest.mark.slow]
FAST_SECONDS = 2.0


def _records(data_dir: Path, rows: int) -> list[dict]:
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    features = [f["name"] for f in metadata["features"]]
    frame = pd.read_parquet(metadata["population"]).head(rows)[features]
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _logged_ids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text("SELECT prediction_id FROM prediction_log")).scalars())
    finally:
        engine.dispose()


def _predict(base: str, records: list[dict]) -> list[str]:
    started = time.monotonic()
    reply = requests.post(f"{base}/api/v1/models/churn/predict", json={"records": records}, timeout=30)
    assert reply.status_code == 200, reply.text
    assert time.monotonic() - started < FAST_SECONDS, "a dead database must not slow predictions down"
    return [p["prediction_id"] for p in reply.json()["predictions"]]


def test_pgo001_outage_spools_and_replays_every_entry_exactly_once(data_dir: Path) -> None:
    records = _records(data_dir, 3)
    with private_postgres() as postgres:
        engine = create_engine(postgres.url)
        migrate.upgrade(engine)
        engine.dispose()
        server = start_gunicorn(base_env(data_dir, PORTAL_DATABASE_URL=postgres.url, PORTAL_WORKERS="2"))
        try:
            before = [pid for _ in range(4) for pid in _predict(server.url, records)]
            assert sorted(_logged_ids(postgres.url)) == sorted(before)

            postgres.stop()
            during = [pid for _ in range(6) for pid in _predict(server.url, records)]
            spool = data_dir / "spool" / "prediction_log"
            assert sum(len(f.read_text().splitlines()) for f in spool.glob("*.jsonl")) == len(during)

            postgres.start()
            expected = sorted(before + during)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and sorted(_logged_ids(postgres.url)) != expected:
                time.sleep(0.5)
            logged = _logged_ids(postgres.url)
            assert sorted(logged) == expected, "every entry exactly once"
            assert len(set(logged)) == len(logged)
            assert not list(spool.glob("*.jsonl")), "the spool is emptied once replayed"
            after = _predict(server.url, records)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(_logged_ids(postgres.url)) < len(expected + after):
                time.sleep(0.5)
            assert sorted(_logged_ids(postgres.url)) == sorted(expected + after)
        finally:
            server.stop()
