"""Every page in real headless Chromium: renders, no console or callback errors, navbar works."""

from __future__ import annotations

import pytest

from layouts import PAGES
from tests.support.browser import watch

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page_def", PAGES, ids=lambda p: p.name)
def test_brw001_page_loads_without_errors(served, browser_context, page_def) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + page_def.path, wait_until="networkidle")
    page.wait_for_selector(".portal-page-header", timeout=15000)
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=15000)
    assert problems.all() == []
    assert page.locator(".portal-navbar").is_visible()
    page.close()


def test_brw002_navbar_navigates_between_pages(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/", wait_until="networkidle")
    page.locator("#navbar-menu-models").get_by_role("button", name="Models").click()
    page.locator("#navbar-menu-models .dropdown-menu").get_by_role("link", name="Models", exact=True).click()
    page.wait_for_url("**/models**")
    page.wait_for_selector("#models-versions", timeout=15000)
    assert "v1" in page.inner_text("#models-versions")
    page.get_by_role("link", name="Home", exact=True).click()
    page.wait_for_selector("#home-status .portal-kpi", timeout=15000)
    assert "churn" in page.inner_text("#home-status")
    assert problems.all() == []
    page.close()


def test_brw007_navbar_menus_work_from_the_keyboard(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/", wait_until="networkidle")
    toggle = page.locator("#navbar-menu-monitor").get_by_role("button", name="Monitor")
    toggle.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#navbar-menu-monitor .dropdown-menu.show", timeout=5000)
    names = page.locator("#navbar-menu-monitor .dropdown-item").all_inner_texts()
    assert names == ["Performance", "Drift", "Alerts", "Feedback"]
    page.keyboard.press("Escape")
    page.wait_for_selector("#navbar-menu-monitor .dropdown-menu.show", state="detached", timeout=5000)
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Drift"
    page.keyboard.press("Enter")
    page.wait_for_url("**/drift**")
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=15000)
    assert problems.all() == []
    page.close()


def test_brw008_home_cards_link_each_item_to_the_page_that_explains_it(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/", wait_until="networkidle")
    card = page.locator(".portal-fleet-card", has_text="churn v1")
    card.locator(".portal-fleet-drift a").wait_for(timeout=15000)
    assert card.locator(".portal-sparkline .js-plotly-plot").count() == 1
    links = {
        key: card.locator(f".portal-fleet-{key} a").get_attribute("href")
        for key in ("version", "predictions", "drift", "performance", "challenger")
    }
    assert links["version"] == "/models?model=churn"
    assert links["predictions"] == "/feedback?model=churn"
    assert links["drift"].startswith("/drift?model=churn&window=")
    assert links["performance"] == "/performance?model=churn&source=live"
    assert links["challenger"] == "/compare?model=churn"
    assert "reference accuracy" in card.locator(".portal-fleet-performance").inner_text()
    card.locator(".portal-fleet-drift a").click()
    page.wait_for_url("**/drift?model=churn&window=**")
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=15000)
    assert problems.all() == []
    page.close()


def test_brw003_unknown_path_shows_the_friendly_404_in_the_shell(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page, expected_statuses=(404,))
    response = page.goto(served.url + "/nowhere", wait_until="networkidle")
    assert response.status == 404
    page.wait_for_selector(".portal-not-found", timeout=15000)
    assert "Page not found" in page.inner_text(".portal-not-found")
    assert page.locator(".portal-navbar").is_visible()
    assert [e for e in problems.console_errors if "404" not in e] == []
    page.close()


def test_brw004_model_choice_is_kept_in_the_url(served, browser_context) -> None:
    page = browser_context.new_page()
    page.goto(served.url + "/models?model=revenue", wait_until="networkidle")
    page.wait_for_selector("#models-versions", timeout=15000)
    assert "regression" in page.inner_text("#models-detail")
    page.locator("#models-select").click()
    page.get_by_role("option", name="churn").click()
    page.wait_for_function("() => window.location.search.includes('model=churn')", timeout=10000)
    page.reload(wait_until="networkidle")
    page.wait_for_selector("#models-versions", timeout=15000)
    assert "classification" in page.inner_text("#models-detail")
    page.locator("#models-sample-row").fill("5")
    page.locator("#models-sample-row").press("Enter")
    page.wait_for_function("() => window.location.search.includes('row=5')", timeout=10000)
    page.wait_for_selector(".portal-sample-prediction", timeout=15000)
    assert "predicts" in page.inner_text(".portal-sample-prediction")
    page.close()


def test_brw005_ready_signal_resets_while_a_callback_runs(served, browser_context) -> None:
    page = browser_context.new_page()
    page.goto(served.url + "/models?model=churn", wait_until="networkidle")
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=15000)
    page.evaluate(
        """() => { window.__readyStates = [];
        new MutationObserver(() => window.__readyStates.push(document.body.dataset.portalReady))
            .observe(document.body, {attributes: true, attributeFilter: ['data-portal-ready']});
        window.__readyEvents = 0; window.addEventListener('portal:ready', () => window.__readyEvents++); }"""
    )
    page.locator("#models-select").click()
    page.get_by_role("option", name="revenue").click()
    page.wait_for_function("() => window.__readyEvents > 0", timeout=15000)
    states = page.evaluate("() => window.__readyStates")
    assert states[0] == "false" and states[-1] == "true"
    assert "regression" in page.inner_text("#models-detail")
    page.close()
