"""With PostgreSQL stopped, a batch is still uploaded, validated, scored, downloaded and listed.

A real gunicorn and real Chromium against a private PostgreSQL cluster that this test stops and
restarts (never the shared server). The batch's state lives in its folder meanwhile; when the
database returns, its ``batch_jobs`` row and every one of its prediction-log rows arrive exactly once.
"""

from __future__ import annotations

import io
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
from tests.support.browser import chromium_context, watch
from tests.support.private_postgres import private_postgres
from tests.support.servers import start_gunicorn

pytestmark = [pytest.mark.gunicorn, pytest.mark.browser, pytest.mark.slow]
ROWS = 800


def _query(url: str, sql: str, **params: object) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def _batch_rows(url: str, batch_id: str) -> list[tuple]:
    return _query(url, "SELECT status, rows_done, file_name FROM batch_jobs WHERE batch_id = :b", b=batch_id)


def _logged(url: str, batch_id: str) -> tuple[int, int]:
    return _query(
        url,
        "SELECT count(*), count(DISTINCT prediction_id) FROM prediction_log WHERE batch_id = :b",
        b=batch_id,
    )[0]


def test_bto001_batch_scores_with_the_database_down_and_its_rows_arrive_once(
    data_dir: Path, tmp_path: Path
) -> None:
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    frame = pd.read_parquet(metadata["population"]).head(ROWS)
    upload = tmp_path / "during-outage.csv"
    frame.to_csv(upload, index=False)
    with private_postgres() as postgres:
        engine = create_engine(postgres.url)
        migrate.upgrade(engine)
        engine.dispose()
        server = start_gunicorn(base_env(data_dir, PORTAL_DATABASE_URL=postgres.url, PORTAL_WORKERS="2"))
        try:
            postgres.stop()
            with chromium_context((1280, 1000)) as context:
                page = context.new_page()
                problems = watch(page)
                page.goto(f"{server.url}/batch?model=churn", wait_until="networkidle")
                with page.expect_file_chooser() as chooser:
                    page.click("#batch-pick")
                chooser.value.set_files(str(upload))
                page.wait_for_selector(".portal-batch-verdict", timeout=60000)
                assert f"{ROWS} rows passed validation" in page.inner_text(".portal-batch-verdict")
                page.click("#batch-score")
                page.wait_for_selector(".portal-batch-done", timeout=90000)
                assert f"{ROWS} rows scored" in page.inner_text(".portal-batch-done")
                href = page.get_attribute("a.portal-batch-download >> nth=0", "href")
                page.goto(f"{server.url}/batches", wait_until="networkidle")
                listing = page.inner_text("body")
                assert "during-outage.csv" in listing and "history is incomplete" in listing
                assert problems.all() == []
            batch_id = href.split("/")[2]
            scored = pd.read_csv(io.BytesIO(requests.get(server.url + href, timeout=30).content))
            assert len(scored) == ROWS and list(scored.columns[: len(frame.columns)]) == list(frame.columns)
            manifest = json.loads((data_dir / "batches" / batch_id / "batch.json").read_text())
            assert manifest["status"] == "done" and manifest["rows_done"] == ROWS
            assert (data_dir / "batches" / ".unsynced" / batch_id).exists()
            spool = data_dir / "spool" / "prediction_log"
            assert sum(len(f.read_text().splitlines()) for f in spool.glob("*.jsonl")) == ROWS

            postgres.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (
                _batch_rows(postgres.url, batch_id) != [("done", ROWS, "during-outage.csv")]
                or _logged(postgres.url, batch_id) != (ROWS, ROWS)
            ):
                time.sleep(0.5)
            assert _batch_rows(postgres.url, batch_id) == [("done", ROWS, "during-outage.csv")]
            assert _logged(postgres.url, batch_id) == (ROWS, ROWS), "every prediction exactly once"
            assert not (data_dir / "batches" / ".unsynced" / batch_id).exists()
            assert not list(spool.glob("*.jsonl"))
            with chromium_context((1280, 1000)) as context:
                page = context.new_page()
                page.goto(f"{server.url}/batches", wait_until="networkidle")
                page.wait_for_selector("#batches-table", timeout=30000)
                assert "during-outage.csv" in page.inner_text("#batches-table")
                assert page.locator(".portal-history-incomplete").count() == 0
            assert requests.get(server.url + href, timeout=30).status_code == 200
        finally:
            server.stop()
