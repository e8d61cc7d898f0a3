"""The Reports page in real Chromium: definitions, Run now with progress, history and download."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.servers import GunicornServer, start_gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.gunicorn, pytest.mark.slow]


@pytest.fixture(scope="module")
def reports_server(
    tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path
) -> Iterator[GunicornServer]:
    data_dir = tmp_path_factory.mktemp("reports-page") / "var"
    shutil.copytree(demo_models_dir, data_dir)
    file = data_dir / "reports.yaml"
    report = {
        "name": "models-snapshot",
        "title": "Models snapshot",
        "pages": ["/models?model=churn"],
        "schedule": "15 6 * * *",
        "timezone": "UTC",
    }
    file.write_text(yaml.safe_dump({"reports": [report]}))
    server = start_gunicorn(base_env(data_dir, PORTAL_WORKERS="2", PORTAL_REPORTS_FILE=str(file)))
    try:
        yield server
    finally:
        server.stop()


def test_rpg001_run_now_shows_progress_then_a_download(reports_server, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(reports_server.url + "/reports", wait_until="networkidle")
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=15000)
    definitions = page.inner_text("#reports-definitions")
    assert "models-snapshot" in definitions and "15 6 * * * (UTC)" in definitions
    assert " 06:15 UTC" in definitions, "the next run time is shown"
    assert "No report has run yet." in page.inner_text("#reports-history")

    page.get_by_role("button", name="Run now").click()
    page.wait_for_selector("#reports-run-status .alert", timeout=15000)
    assert "started" in page.inner_text("#reports-run-status")
    page.wait_for_function(
        "() => /queued|running/.test(document.querySelector('#reports-history').innerText)", timeout=15000
    )
    page.wait_for_function(
        "() => /succeeded|failed/.test(document.querySelector('#reports-history').innerText)", timeout=120000
    )
    history = page.inner_text("#reports-history")
    assert "succeeded" in history and "page" in history, history
    link = page.locator("#reports-history a").first
    href = link.get_attribute("href")
    assert href.endswith(".png") and "/reports/runs/" in href
    download = requests.get(reports_server.url + href, timeout=10)
    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
    assert problems.all() == []
    page.close()
