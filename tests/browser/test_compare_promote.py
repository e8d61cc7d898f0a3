"""Retrain with the CLI, compare and promote on the page, roll back, all against two gunicorn workers."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
import requests

from portal.cli import main
from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


def _served_versions(url: str, tries: int = 16) -> set[int]:
    """The active version each fresh connection reports; with two workers both answer over the tries."""
    seen = set()
    for _ in range(tries):
        reply = requests.get(f"{url}/api/v1/models/churn", headers={"Connection": "close"}, timeout=30)
        seen.add(reply.json()["active_version"])
    return seen


def _give_feedback(served, data_dir) -> None:
    """Log predictions through the API and store their true outcomes, so retraining has logged rows."""
    from models.registry import ModelRegistry
    from portal.db.engine import create_engine
    from portal.feedback.store import FeedbackItem, FeedbackStore

    metadata = json.loads((data_dir / "models" / "churn" / "1" / "metadata.json").read_text())
    features = [f["name"] for f in metadata["features"]]
    frame = pd.read_parquet(metadata["population"]).tail(120)
    records = json.loads(frame[features].to_json(orient="records", date_format="iso"))
    body = requests.post(
        f"{served.url}/api/v1/models/churn/predict", json={"records": records}, timeout=60
    ).json()
    engine = create_engine(f"sqlite:///{data_dir / 'portal.db'}")
    items = [
        FeedbackItem(p["prediction_id"], int(actual))
        for p, actual in zip(body["predictions"], frame["churned"], strict=True)
    ]
    result = FeedbackStore(engine, ModelRegistry(data_dir / "models")).submit("churn", items, "api")
    engine.dispose()
    assert result.stored == 120


def test_cmp001_retrain_compare_promote_and_roll_back_on_the_page(
    served, module_data_dir, browser_context, monkeypatch, capsys
) -> None:
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(module_data_dir))
    _give_feedback(served, module_data_dir)
    assert main(["models", "retrain", "churn"]) == 0
    assert "registered churn v2 (inactive)" in capsys.readouterr().out
    assert _served_versions(served.url) == {1}

    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/compare?model=churn&a=1&b=2", wait_until="networkidle")
    page.wait_for_function(READY, timeout=60000)
    assert "Active version: v1" in page.inner_text("#compare-active")
    metrics = page.inner_text("#compare-metrics")
    assert "Accuracy" in metrics and "v1" in metrics and "v2" in metrics
    assert page.locator("#compare-segments tbody tr").count() > 0
    assert page.locator("#compare-top tbody tr").count() > 0
    assert page.locator("#compare-diff .main-svg").count() > 0

    page.click("#compare-promote")
    page.wait_for_selector("#compare-confirm-text", timeout=10000)
    assert "promote churn from v1 to v2" in page.inner_text("#compare-confirm-text")
    page.click("#compare-confirm-no")
    page.wait_for_selector("#compare-confirm-text", state="detached", timeout=10000)
    assert _served_versions(served.url) == {1}, "cancel changes nothing"

    page.click("#compare-promote")
    page.wait_for_selector("#compare-confirm-yes", timeout=10000)
    page.click("#compare-confirm-yes")
    page.wait_for_selector(".portal-promoted", timeout=15000)
    assert "Active version: v2" in page.inner_text("#compare-active")
    assert _served_versions(served.url) == {2}, "both workers follow without a restart"

    # The target defaults to version B, so comparing v2 against v1 offers the rollback.
    page.goto(f"{served.url}/compare?model=churn&a=2&b=1", wait_until="networkidle")
    page.wait_for_function(READY, timeout=60000)
    assert "Active version: v2" in page.inner_text("#compare-active")
    page.click("#compare-promote")
    page.wait_for_selector("#compare-confirm-yes", timeout=10000)
    assert "roll back churn from v2 to v1" in page.inner_text("#compare-confirm-text")
    page.click("#compare-confirm-yes")
    page.wait_for_function(
        "() => document.getElementById('compare-active').innerText.includes('v1')", timeout=15000
    )
    assert _served_versions(served.url) == {1}

    page.goto(f"{served.url}/models?model=churn", wait_until="networkidle")
    page.wait_for_function(READY, timeout=30000)
    audit = page.inner_text("#models-promotions")
    assert "rollback" in audit and "promote" in audit and "page" in audit
    assert problems.all() == []
    page.close()
