"""Open alerts in real Chromium: the Overview banner names the alert and leads to the page that shows it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal.alerts.check import check_rule
from portal.alerts.rules import AlertRule
from portal.app import create_app
from portal.config import load_settings
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted
from tests.conftest import base_env
from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"
RULE = AlertRule("churn-drift", "Churn drift", "churn", window_days=7, dataset_drift=True)


def test_abn001_overview_banner_shows_the_open_alert_until_it_resolves(
    served, module_data_dir: Path, browser_context
) -> None:
    app = create_app(load_settings(base_env(module_data_dir)))
    services = services_of(app)
    now = dt.datetime.now(dt.UTC)
    log_at(app, shifted(reference_rows(app, 200), services.registry.get("churn")), now - dt.timedelta(days=3))
    raised = check_rule(services.settings, services.engine, services.registry, RULE)
    assert raised.raised, raised

    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/overview?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    banner = page.locator("#overview-alerts .portal-alert")
    assert banner.count() == 1
    text = banner.inner_text()
    assert "Open alert: dataset drift (churn-drift)." in text
    assert "Dataset drift on churn v1:" in text and "in the last 7 days" in text
    link = banner.get_by_role("link", name="Open the Drift page")
    assert link.get_attribute("href") == "/drift?model=churn&window=7d"
    link.click()
    page.wait_for_url("**/drift?model=churn&window=7d*", timeout=20000)
    page.wait_for_function(READY, timeout=60000)
    assert "Drift detected" in page.inner_text("#drift-kpis"), "the page agrees with the alert"

    page.goto(served.url + "/overview?model=revenue", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert page.locator("#overview-alerts .portal-alert").count() == 0, "alerts belong to their model"

    log_at(app, reference_rows(app, 600, start=200), now)
    cleared = check_rule(
        services.settings, services.engine, services.registry, RULE, now + dt.timedelta(days=5)
    )
    assert cleared.resolved == raised.raised
    page.goto(served.url + "/overview?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert page.locator("#overview-alerts .portal-alert").count() == 0
    assert problems.all() == []
    page.close()
