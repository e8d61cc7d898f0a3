"""The Drift page in real Chromium over a logged demo history: verdict, feature table, URL state."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_HISTORY_END, base_env
from tests.support.browser import watch
from tests.support.servers import GunicornServer, start_gunicorn

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


@pytest.fixture(scope="module")
def served_history(
    tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path
) -> Iterator[GunicornServer]:
    from models.registry import ModelRegistry
    from portal.db.engine import create_engine
    from portal.predlog.demo_history import backfill
    from portal.predlog.recorder import PredictionLog

    target = tmp_path_factory.mktemp("drift") / "var"
    shutil.copytree(demo_models_dir, target)
    engine = create_engine(f"sqlite:///{target / 'portal.db'}")
    prediction_log = PredictionLog(engine, target / "spool" / "prediction_log")
    backfill(ModelRegistry(target / "models"), prediction_log, "churn", months=6, anchor=DEMO_HISTORY_END)
    prediction_log.stop()
    engine.dispose()
    server = start_gunicorn(base_env(target, PORTAL_WORKERS="2"))
    try:
        yield server
    finally:
        server.stop()


def test_dri001_shifted_month_shows_drift_and_the_view_round_trips(served_history, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served_history.url}/drift?model=churn&window=month:2026-10", wait_until="networkidle")
    page.wait_for_function(READY, timeout=60000)
    assert re.search(r"^[1-9]\d* of \d+$", page.inner_text("#drift-kpi-features"), re.M), (
        "some features drift"
    )
    rows = page.locator("#drift-table .ag-center-cols-container .ag-row")
    assert rows.count() >= 10
    first_feature = page.locator("#drift-table .ag-pinned-left-cols-container .ag-row").first.inner_text()
    assert page.locator("#drift-table .portal-drift-drifted").count() >= 1
    assert page.locator("#drift-table svg.portal-sparkline").count() >= 1
    assert first_feature.strip() in page.inner_text("#drift-overlay"), (
        "the overlay starts on the most drifted"
    )
    page.locator("#drift-table .ag-pinned-left-cols-container .ag-row").nth(3).click()
    page.wait_for_function("() => window.location.search.includes('feature=')", timeout=10000)
    page.wait_for_function(READY, timeout=30000)
    chosen = page.evaluate("() => new URLSearchParams(window.location.search).get('feature')")
    assert chosen in page.inner_text("#drift-overlay")
    kpis = page.inner_text("#drift-kpis")
    page.goto(page.url, wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert page.inner_text("#drift-kpis") == kpis
    assert chosen in page.inner_text("#drift-feature")
    assert problems.all() == []
    page.close()


def test_dri002_empty_window_and_bad_window_explain_themselves(served_history, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served_history.url}/drift?model=revenue&window=7d", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert "No logged predictions" in page.inner_text("#drift-kpis")
    page.goto(f"{served_history.url}/drift?model=churn&window=bogus", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert page.locator("#drift-kpis").inner_text().strip() != ""
    assert problems.all() == []
    page.close()


@pytest.fixture(scope="module")
def served_fresh_demo(
    tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path
) -> Iterator[GunicornServer]:
    """The demo history as `portal demo` logs it (ending yesterday), plus two What-if predictions today."""
    from models.inference import predict_uncached
    from models.registry import ModelRegistry
    from portal.db.engine import create_engine
    from portal.predlog.demo_history import backfill
    from portal.predlog.recorder import PredictionLog

    target = tmp_path_factory.mktemp("drift-fresh") / "var"
    shutil.copytree(demo_models_dir, target)
    registry = ModelRegistry(target / "models")
    engine = create_engine(f"sqlite:///{target / 'portal.db'}")
    prediction_log = PredictionLog(engine, target / "spool" / "prediction_log")
    backfill(registry, prediction_log, "churn", months=6)
    loaded = registry.load("revenue")
    frame = registry.reference("revenue", loaded.version.version)[loaded.version.feature_names].head(2)
    prediction_log.record_frame(predict_uncached(loaded, frame), frame, source="ui")
    prediction_log.stop()
    engine.dispose()
    server = start_gunicorn(base_env(target, PORTAL_WORKERS="2"))
    try:
        yield server
    finally:
        server.stop()


def _verdict(page) -> str:
    page.wait_for_function(READY, timeout=60000)
    return page.inner_text("#drift-kpi-verdict")


def test_dri003_a_fresh_demo_never_says_drift_detected_below_the_minimum(
    served_fresh_demo, browser_context
) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served_fresh_demo.url}/drift?model=churn", wait_until="networkidle")
    verdict = _verdict(page)
    note = page.inner_text("#drift-window-note")
    assert note.startswith("Opened on Last 30 days") and "Last 7 days has" in note, note
    assert "window=30d" in page.url
    assert "Drift detected" in verdict and "logged rows against" in verdict
    rows = int(page.inner_text("#drift-kpi-rows").split("\n")[1].replace(",", ""))
    assert rows >= 100
    page.goto(f"{served_fresh_demo.url}/drift?model=churn&window=7d", wait_until="networkidle")
    verdict = _verdict(page)
    assert re.search(r"Not enough data: \d+ rows, needs 100", verdict), verdict
    assert "Drift detected" not in page.inner_text("#drift-kpis")
    assert page.locator("#drift-table .portal-drift-drifted").count() == 0
    assert page.locator("#drift-table .portal-drift-not-enough-data").count() >= 1
    # Two What-if predictions today are all the revenue model has: the page says so, never drift.
    page.goto(f"{served_fresh_demo.url}/drift?model=revenue", wait_until="networkidle")
    verdict = _verdict(page)
    assert "Not enough data: 2 rows, needs 100" in verdict, verdict
    assert "No window has the 100 logged rows drift needs" in page.inner_text("#drift-window-note")
    assert "Drift detected" not in page.inner_text("#drift-kpis")
    assert problems.all() == []
    page.close()


def test_dri004_every_column_of_the_feature_table_fits_a_1280_pixel_screen(
    served_history, browser_context
) -> None:
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served_history.url}/drift?model=churn&window=month:2026-10", wait_until="networkidle")
    page.wait_for_function(READY, timeout=60000)
    grid = page.locator("#drift-table").bounding_box()
    headers = page.locator("#drift-table .ag-header-cell")
    names = [name.strip() for name in headers.all_inner_texts()]
    assert "Over time" in names and "Rows" in names, names
    for index in range(headers.count()):
        box = headers.nth(index).bounding_box()
        assert box["x"] + box["width"] <= grid["x"] + grid["width"] + 1, f"{names[index]!r} is off-screen"
    assert page.locator("#drift-table svg.portal-sparkline").first.is_visible()
    page.close()
