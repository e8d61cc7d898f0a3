"""The performance page in real Chromium: controls round-trip through the URL, charts export PNG."""

from __future__ import annotations

import pytest

from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


def _summary(page) -> str:
    return page.inner_text(".portal-threshold-summary")


def test_prf001_threshold_and_costs_round_trip_through_the_url(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/performance?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert "At threshold 0.50" in _summary(page)
    page.locator("#perf-cost-fn").fill("12")
    page.locator("#perf-cost-fn").press("Enter")
    page.wait_for_function("() => window.location.search.includes('cost_fn=12')", timeout=10000)
    page.wait_for_function(READY, timeout=20000)
    url, summary = page.url, _summary(page)
    metrics = page.inner_text("#perf-metrics")
    page.goto(url.replace("threshold=0.5", "threshold=0.3"), wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert "At threshold 0.30" in _summary(page)
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert _summary(page) == summary
    assert page.inner_text("#perf-metrics") == metrics
    assert page.locator("#perf-cost-fn").input_value() == "12"
    assert page.locator("#perf-roc .modebar-btn[data-title='Download plot as a PNG']").count() == 1
    assert page.locator("#perf-roc .modebar-btn[data-title='Share chart...']").count() == 0
    assert problems.all() == []
    page.close()


def test_prf002_switching_to_a_regressor_and_a_month(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/performance?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    page.locator("#perf-model").click()
    page.get_by_role("option", name="revenue").click()
    page.wait_for_selector("#perf-scatter .main-svg", timeout=20000)
    page.wait_for_function(READY, timeout=20000)
    assert "model=revenue" in page.url
    assert "RMSE" in page.inner_text("#perf-metrics")
    page.locator("#perf-source").click()
    page.get_by_role("option", name="2026-10").click()
    page.wait_for_function("() => window.location.search.includes('source=2026-10')", timeout=10000)
    page.wait_for_function(READY, timeout=20000)
    rows_text = page.inner_text("#perf-metrics")
    page.reload(wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert page.inner_text("#perf-metrics") == rows_text
    assert (
        "Error by plan" in page.inner_text("#perf-segment-errors")
        or page.locator("#perf-segment-errors").count()
    )
    assert problems.all() == []
    page.close()
