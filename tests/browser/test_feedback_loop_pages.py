"""Feedback from the what-if card and the Feedback page, seen in live performance, in real Chromium."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


def _ready(page) -> None:
    page.wait_for_function(READY, timeout=30000)


def test_flp001_whatif_feedback_then_feedback_page_then_live_performance(
    served, browser_context, tmp_path
) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(f"{served.url}/what-if?model=churn&record=C0000042", wait_until="networkidle")
    _ready(page)
    prediction_id = page.inner_text(".portal-prediction-id").strip()
    assert re.fullmatch(r"[0-9a-f]{32}", prediction_id)
    page.click("#whatif-fb-incorrect")
    page.wait_for_selector("#whatif-fb-status .alert-success", timeout=15000)
    assert prediction_id in page.inner_text("#whatif-fb-status")
    page.fill("#whatif-fb-outcome", "banana")
    page.click("#whatif-fb-save")
    page.wait_for_selector("#whatif-fb-status .alert-danger", timeout=15000)
    assert "not a class of this model" in page.inner_text("#whatif-fb-status")

    page.goto(f"{served.url}/feedback?model=churn", wait_until="networkidle")
    _ready(page)
    page.wait_for_selector(f"text={prediction_id}", timeout=15000)
    row = page.locator(".ag-row", has_text=prediction_id)
    assert "incorrect" in row.inner_text()
    assert "Label coverage" in page.inner_text("#feedback-coverage")
    row.click()
    page.wait_for_function(
        f"() => document.getElementById('feedback-selected').value === '{prediction_id}'", timeout=10000
    )
    page.click("#feedback-correct")
    page.wait_for_selector("#feedback-status .alert-success", timeout=15000)
    page.wait_for_function(
        f"""() => Array.from(document.querySelectorAll('.ag-row')).some(
            r => r.innerText.includes('{prediction_id}') && /\\bcorrect\\b/.test(r.innerText)
                 && !r.innerText.includes('incorrect'))""",
        timeout=15000,
    )

    bad = tmp_path / "outcomes.csv"
    bad.write_text(f"prediction_id,outcome\n{prediction_id},1\n{'f' * 32},0\n")
    page.set_input_files("#feedback-upload input[type=file]", str(bad))
    page.wait_for_selector("#feedback-upload-report .alert", timeout=15000)
    report = page.inner_text("#feedback-upload-report")
    assert "Stored feedback for 1 prediction" in report and "unknown prediction id" in report
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    page.set_input_files("#feedback-upload input[type=file]", str(empty))
    page.wait_for_selector("#feedback-upload-report .portal-upload-error", timeout=15000)
    assert "empty" in page.inner_text("#feedback-upload-report")
    huge = {
        "name": "huge.csv",
        "mimeType": "text/csv",
        "buffer": b"prediction_id,outcome\n" + b"x" * 25_000_000,
    }
    page.set_input_files("#feedback-upload input[type=file]", huge)
    page.wait_for_selector("#feedback-upload-limit.portal-upload-error", timeout=15000)
    limit = page.inner_text("#feedback-upload-limit")
    assert "huge.csv is 25.0 MB, over this page's limit of 20.0 MB" in limit and "/feedback" in limit
    page.set_input_files("#feedback-upload input[type=file]", str(bad))
    page.wait_for_function(
        "() => document.getElementById('feedback-upload-limit').innerText === ''", timeout=10000
    )

    page.goto(f"{served.url}/performance?model=churn&source=live&period=week", wait_until="networkidle")
    _ready(page)
    assert "Label coverage" in page.inner_text("#perf-live-coverage")
    assert page.locator("#perf-live-trend .main-svg").count() > 0
    assert "Labelled rows" in page.inner_text("#perf-metrics")
    assert "period=week" in page.url and "source=live" in page.url
    assert problems.all() == []
    page.close()
