"""What-if explorer in real Chromium: starts from a record, agrees with the API, keeps state in the URL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import requests

from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


def _population_record(data_dir: Path, customer: str) -> dict:
    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    features = [f["name"] for f in metadata["features"]]
    frame = pd.read_parquet(metadata["population"])
    row = frame[frame["customer_id"] == customer][features]
    return json.loads(row.to_json(orient="records", date_format="iso"))[0]


def _probability(text: str) -> str:
    return re.search(r"with probability ([\d.]+%)", text).group(1)


def test_wif001_record_prediction_matches_the_api(served, module_data_dir, browser_context) -> None:
    customer = "C0000042"
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/what-if?model=churn&record={customer}", wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert f"Starting from record {customer}" in page.inner_text("#whatif-record-status")
    shown = page.inner_text(".portal-whatif-result")
    record = _population_record(module_data_dir, customer)
    api = requests.post(
        f"{served.url}/api/v1/models/churn/predict", json={"records": [record]}, timeout=30
    ).json()
    prediction = api["predictions"][0]
    assert f"Predicted class {prediction['prediction']}" in shown.replace("\n", " ")
    assert _probability(shown) == f"{max(prediction['probabilities'].values()):.1%}"
    assert page.locator("#whatif-contributions .main-svg").count() > 0
    assert problems.all() == []
    page.close()


def test_wif002_edits_round_trip_through_the_url_and_bad_input_is_explained(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/what-if?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    tenure = page.locator('[id*="tenure_months"]').first
    tenure.fill("2")
    tenure.press("Enter")
    page.wait_for_function("() => window.location.search.includes('f.tenure_months=2&')", timeout=10000)
    page.wait_for_function(READY, timeout=20000)
    before = page.inner_text(".portal-whatif-result")
    url = page.url
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert page.locator('[id*="tenure_months"]').first.input_value() == "2"
    assert page.inner_text(".portal-whatif-result") == before
    tenure = page.locator('[id*="tenure_months"]').first
    tenure.fill("")
    tenure.press("Enter")
    page.wait_for_selector(".portal-whatif-errors", timeout=15000)
    assert "tenure_months: is required" in page.inner_text(".portal-whatif-errors")
    assert problems.all() == []
    page.close()


def test_wif003_unknown_record_id_says_so(served, browser_context) -> None:
    page = browser_context.new_page()
    page.goto(f"{served.url}/what-if?model=revenue&record=NOPE-1", wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert "No record with id 'NOPE-1'" in page.inner_text("#whatif-record-status")
    assert "Predicted value" in page.inner_text(".portal-whatif-result")
    page.close()
