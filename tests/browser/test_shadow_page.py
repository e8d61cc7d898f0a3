"""Shadow deployment on Compare, in real Chromium against two gunicorn workers: start, agree, promote."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests
from sklearn.base import clone

from models.registry import ModelRegistry
from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


def _register_challenger(data_dir) -> int:
    """v2: v1's pipeline refitted on a third of the reference, so some live answers differ."""
    registry = ModelRegistry(data_dir / "models")
    record = registry.get("churn")
    reference = registry.reference("churn", record.version)
    part = reference.iloc[: len(reference) // 3]
    estimator = clone(registry.load("churn").estimator)
    estimator.fit(part[record.feature_names], part[record.target])
    return registry.add_version("churn", estimator, reference, dict(record.metadata)).version


def _agreement_rows(page, served, expected: str, tries: int = 30) -> str:
    """Reload Compare until the agreement table counts the expected live rows (scoring is asynchronous)."""
    text = ""
    for _ in range(tries):
        page.goto(f"{served.url}/compare?model=churn&a=1&b=2", wait_until="networkidle")
        page.wait_for_function(READY, timeout=60000)
        if page.locator("#compare-shadow-agreement").count():
            text = page.inner_text("#compare-shadow-agreement")
            if expected in text.split():
                return text
        page.wait_for_timeout(500)
    raise AssertionError(f"the agreement never showed {expected} live rows: {text!r}")


def test_shp001_shadow_from_compare_what_if_and_api_rows_agree_then_promotion_ends_it(
    served, module_data_dir, browser_context
) -> None:
    version = _register_challenger(module_data_dir)
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/compare?model=churn&a=1&b={version}", wait_until="networkidle")
    page.wait_for_function(READY, timeout=60000)
    assert "No version of churn is in shadow." in page.inner_text("#compare-shadow-body")
    page.click("#compare-shadow-start")
    page.wait_for_selector(".portal-shadow-switched", timeout=15000)
    page.wait_for_selector(".portal-shadow-on", timeout=15000)
    assert f"v{version} is in shadow of the active v1." in page.inner_text("#compare-shadow-body")

    page.goto(f"{served.url}/what-if?model=churn&record=C0000042", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    assert "Predicted class" in page.inner_text(".portal-whatif-result")

    metadata = json.loads((module_data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    features = [f["name"] for f in metadata["features"]]
    frame = pd.read_parquet(metadata["population"]).head(30)
    records = json.loads(frame[features].to_json(orient="records", date_format="iso"))
    reply = requests.post(f"{served.url}/api/v1/models/churn/predict", json={"records": records}, timeout=60)
    assert reply.status_code == 200 and reply.json()["version"] == 1

    table = _agreement_rows(page, served, "31")
    assert "v1" in table and f"v{version}" in table and "%" in table

    page.click("#compare-promote")
    page.wait_for_selector("#compare-confirm-yes", timeout=10000)
    page.click("#compare-confirm-yes")
    page.wait_for_selector(".portal-promoted", timeout=15000)
    page.goto(f"{served.url}/compare?model=churn&a={version}&b=1", wait_until="networkidle")
    page.wait_for_function(READY, timeout=60000)
    page.wait_for_selector(".portal-shadow-off", timeout=15000)
    assert "31" in page.inner_text("#compare-shadow-agreement"), "the shadow's history stays readable"
    assert problems.all() == []
    page.close()
