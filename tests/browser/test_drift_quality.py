"""The Drift page's Data quality section in real Chromium: numbers and sparklines of a crafted log."""

from __future__ import annotations

import datetime as dt
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import pytest

from tests.conftest import base_env
from tests.monitoring.test_data_quality import CHANGES, DAY_ONE, DAY_TWO, write_crafted_log
from tests.support.browser import watch
from tests.support.servers import GunicornServer, start_gunicorn

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"
REFUSED = 6


@pytest.fixture(scope="module")
def served_crafted(
    tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path
) -> Iterator[GunicornServer]:
    from portal.app import create_app
    from portal.config import load_settings

    target = tmp_path_factory.mktemp("quality") / "var"
    shutil.copytree(demo_models_dir, target)
    app = create_app(load_settings(base_env(target)))
    today = dt.datetime.now(dt.UTC).date()
    days = {today - dt.timedelta(days=2): CHANGES[DAY_ONE], today - dt.timedelta(days=1): CHANGES[DAY_TWO]}
    plog = app.server.extensions["portal.services"].prediction_log
    write_crafted_log(app, plog, days)
    plog.stop()
    server = start_gunicorn(base_env(target, PORTAL_WORKERS="2"))
    try:
        yield server
    finally:
        server.stop()


def _refuse(url: str) -> int:
    request = urllib.request.Request(
        f"{url}/api/v1/models/churn/predict", data=b"{", headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(request, timeout=30)
    except HTTPError as error:
        error.read()
        return error.code
    return 200


def test_dqb001_the_section_shows_shares_examples_sparklines_and_refusals(
    served_crafted, browser_context
) -> None:
    # Separate connections, so both gunicorn workers answer some; the counts land in one table.
    assert [_refuse(served_crafted.url) for _ in range(REFUSED)] == [400] * REFUSED
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served_crafted.url}/drift?model=churn&window=7d", wait_until="networkidle")
    page.wait_for_function(READY, timeout=60000)
    page.wait_for_selector(".portal-quality-table", timeout=30000)
    section = page.locator(".portal-quality")
    assert "Data quality" in section.inner_text()
    assert "Not enough data: 5 rows, needs 100" in page.inner_text(".portal-quality-status")

    def cell(feature: str, which: str) -> str:
        return page.locator(
            f".portal-quality-table tr[data-feature='{feature}'] td.portal-quality-{which}"
        ).inner_text()

    assert cell("tenure_months", "range") == "40.0% (2)"
    assert cell("monthly_charges", "range") == "20.0% (1)"
    assert cell("avg_session_minutes", "missing") == "20.0% (1)"
    assert cell("acquisition_channel", "missing") == "20.0% (1)"
    assert cell("plan", "unseen") == "40.0% (2)"
    assert cell("region", "unseen") == "20.0% (1)"
    assert cell("seats", "range") == "0.0% (0)"
    assert "gold (2)" in page.locator(".portal-quality-table tr[data-feature='plan']").inner_text()
    features = page.locator(".portal-quality-table tbody tr").count()
    assert features == 21, "every model input, one row each"
    traces = "document.querySelectorAll('.portal-quality-spark .main-svg .scatterlayer .trace').length"
    page.wait_for_function(f"() => {traces} >= {features * 3}", timeout=30000)
    refused = page.locator(".portal-quality-refusals tr[data-reason='bad_json']").inner_text()
    assert refused.split() == ["bad_json", str(REFUSED), "0"]
    assert problems.all() == []
    page.close()
