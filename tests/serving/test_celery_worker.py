"""The scale-out path: with PORTAL_CELERY_BROKER_URL set, `portal worker` runs batch jobs for gunicorn.

A real Celery worker process and a real gunicorn share a private data dir and the real Redis;
keys are prefixed per data dir, so this test cannot take or leave jobs of any other portal.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import requests

from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.servers import PROJECT_ROOT, start_gunicorn

pytestmark = [pytest.mark.redis, pytest.mark.gunicorn, pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def broker_url() -> str:
    url = os.environ.get("PORTAL_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set: no Redis answered on 127.0.0.1:6379")
    return url


def test_cel001_batch_is_scored_by_a_celery_worker(data_dir: Path, broker_url: str, tmp_path: Path) -> None:
    from tests.support.browser import chromium_context

    env = base_env(data_dir, PORTAL_CELERY_BROKER_URL=broker_url, PORTAL_WORKERS="2")
    log_path = data_dir / "celery-worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "worker", "--concurrency", "1"],
            cwd=PROJECT_ROOT,
            env={**env, "PORTAL_LOG_LEVEL": "info"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = start_gunicorn(env)
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    frame = pd.read_parquet(metadata["population"]).head(800)
    upload = tmp_path / "celery.csv"
    frame.to_csv(upload, index=False)
    try:
        deadline = time.monotonic() + 60
        while "ready" not in log_path.read_text(errors="replace") and time.monotonic() < deadline:
            assert worker.poll() is None, log_path.read_text(errors="replace")
            time.sleep(0.5)
        with chromium_context((1280, 1000)) as context:
            page = context.new_page()
            problems = watch(page)
            page.goto(f"{server.url}/batch?model=churn", wait_until="networkidle")
            with page.expect_file_chooser() as chooser:
                page.click("#batch-pick")
            chooser.value.set_files(str(upload))
            page.wait_for_selector(".portal-batch-verdict", timeout=60000)
            page.click("#batch-score")
            page.wait_for_selector(".portal-batch-done", timeout=90000)
            assert "800 rows scored" in page.inner_text(".portal-batch-done")
            href = page.get_attribute("a.portal-batch-download >> nth=0", "href")
            assert problems.all() == []
        scored = pd.read_csv(io.BytesIO(requests.get(server.url + href, timeout=30).content))
        assert len(scored) == 800 and list(scored.columns[: len(frame.columns)]) == list(frame.columns)
        text = log_path.read_text(errors="replace")
        assert text.count("succeeded") >= 2, f"validation and scoring ran in the worker:\n{text[-3000:]}"
    finally:
        server.stop()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        _forget_keys(broker_url, data_dir)


def _forget_keys(broker_url: str, data_dir: Path) -> None:
    """Leave nothing of this portal's queue or results in the shared Redis."""
    import redis

    from portal.config import load_settings
    from portal.extensions import celery_options

    settings = load_settings(base_env(data_dir, PORTAL_CELERY_BROKER_URL=broker_url))
    prefix = celery_options(settings)["broker_transport_options"]["global_keyprefix"]
    client = redis.Redis.from_url(broker_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
