"""The live Performance page's estimated panel in real Chromium: dashed estimate, band, realized, note."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.estimated_history import history_app, history_dir  # noqa: F401 (fixtures)
from tests.support.servers import GunicornServer, start_gunicorn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def history_served(history_app) -> Iterator[GunicornServer]:  # noqa: F811
    """gunicorn over the data dir the history was logged into."""
    data_dir = history_app.server.extensions["portal.services"].settings.data_dir
    server = start_gunicorn(base_env(data_dir, PORTAL_WORKERS="2"))
    try:
        yield server
    finally:
        server.stop()


def test_esb001_estimated_series_renders_dashed_with_band_beside_realized(
    history_served, browser_context
) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(
        f"{history_served.url}/performance?model=churn&source=live&period=week", wait_until="networkidle"
    )
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=30000)
    page.wait_for_selector("#perf-est-trend .scatterlayer .trace", timeout=30000)
    assert page.locator("#perf-est-trend .scatterlayer .trace").count() == 3
    dashed = page.locator("#perf-est-trend .scatterlayer .trace .js-line").nth(1).get_attribute("style")
    assert "stroke-dasharray" in (dashed or "")
    legend = page.locator("#perf-est-trend .legend").text_content() or ""
    assert "estimated accuracy" in legend and "realized accuracy" in legend and "±3 SE" in legend
    note = page.inner_text("#perf-est-note")
    assert "rows" in note and "labelled" in note and "concept shift" in note
    page.get_by_label("ROC AUC").check()
    page.wait_for_function(
        "() => document.querySelector('#perf-est-trend .legend').textContent.includes('estimated ROC AUC')",
        timeout=30000,
    )
    assert problems.all() == []
    page.close()
