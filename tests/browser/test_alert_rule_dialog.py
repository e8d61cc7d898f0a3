""" "Alert me when…" in real Chromium against real gunicorn: rules made on Drift and live Performance.

Sign-in is header mode behind a trusted proxy (the browser sends the proxy's headers). The reports
file holds one rule on churn, which the pages list read-only.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.browser.test_subscribe import GROUPS, identity
from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.dash_requests import outputs_of
from tests.support.servers import GunicornServer, start_gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.gunicorn, pytest.mark.slow]

FILE_RULE = {"name": "churn-watch", "title": "Churn watch", "model": "churn", "dataset_drift": True}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path) -> Iterator[GunicornServer]:
    data_dir = tmp_path_factory.mktemp("alert-rules") / "var"
    shutil.copytree(demo_models_dir, data_dir)
    reports = data_dir / "reports.yaml"
    reports.write_text(yaml.safe_dump({"alerts": [FILE_RULE]}))
    env = base_env(
        data_dir,
        PORTAL_AUTH="header",
        PORTAL_TRUSTED_PROXIES="127.0.0.1/32",
        PORTAL_VIEWER_GROUPS=GROUPS["viewer"],
        PORTAL_ANALYST_GROUPS=GROUPS["analyst"],
        PORTAL_ADMIN_GROUPS=GROUPS["admin"],
        PORTAL_SECRET_KEY="k" * 40,
        PORTAL_REPORTS_FILE=str(reports),
        PORTAL_SCHEDULER="off",
        PORTAL_WORKERS="2",
    )
    server = start_gunicorn(env)
    try:
        yield server
    finally:
        server.stop()


def open_page(context, server: GunicornServer, path: str, role: str, user: str):
    page = context.new_page()
    page.set_extra_http_headers(identity(role, user))
    page.goto(server.url + path, wait_until="domcontentloaded")
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=30000)
    page.wait_for_selector("#alert-rule-list .portal-alert-rule, #alert-rule-list p", timeout=15000)
    return page


def open_dialog(page) -> None:
    page.click("#alert-rule-open")
    page.wait_for_selector("#alert-rule-modal .modal-body", state="visible", timeout=10000)
    page.wait_for_function("() => !!document.querySelector('#alert-rule-model').value", timeout=10000)


def save(page, expect: str) -> str:
    page.click("#alert-rule-save")
    selector = "#alert-rule-feedback .alert"
    found = f"document.querySelector({selector!r})"
    page.wait_for_function(f"() => !!{found} && {found}.innerText.includes({expect!r})", timeout=15000)
    return page.inner_text(selector)


def refused(page, *expected: str) -> None:
    text = save(page, expected[0])
    assert text.startswith("Not saved:"), text
    for line in expected:
        assert line in text, text


def close_dialog(page) -> None:
    page.click("#alert-rule-close")
    page.wait_for_selector("#alert-rule-modal", state="detached", timeout=10000)


def rule_row(page, name: str) -> str:
    selector = f"#alert-rule-list [data-rule={name!r}]"
    page.wait_for_selector(selector, timeout=15000)
    return selector


def test_arb001_a_feature_drift_rule_from_the_drift_page_after_refusals(server, browser_context) -> None:
    page = open_page(
        browser_context,
        server,
        "/drift?model=churn&window=30d&feature=tenure_months",
        "analyst",
        "ana@example.com",
    )
    problems = watch(page)
    file_row = rule_row(page, "churn-watch")
    assert "from the reports file" in page.inner_text(file_row)
    assert page.locator(f"{file_row} button").count() == 0, "file rules are read-only"

    open_dialog(page)
    assert page.input_value("#alert-rule-model") == "churn"
    assert page.is_checked("#alert-rule-watch input[value='feature_drift']")
    assert "tenure_months" in page.inner_text("#alert-rule-feature")
    assert page.input_value("#alert-rule-window") == "30d"
    assert page.input_value("#alert-rule-email") == "ana@example.com", "the author is the first recipient"
    assert page.input_value("#alert-rule-title") == "churn: tenure_months drifts"

    page.fill("#alert-rule-email", "ana@example.com, not-an-address")
    page.fill("#alert-rule-webhook", "ftp://hooks.example.com/x")
    page.fill("#alert-rule-min-rows", "zero")
    refused(
        page,
        "Email to: 'not-an-address' is not an email address",
        "Webhook: expected an http:// or https:// URL",
        "Rows: expected a whole number from 1 to 10000000, not 'zero'",
    )
    page.fill("#alert-rule-email", "ana@example.com")
    page.fill("#alert-rule-webhook", "https://hooks.slack.com/services/T/B/x")
    page.select_option("#alert-rule-webhook-style", "slack")
    page.fill("#alert-rule-min-rows", "200")
    page.fill("#alert-rule-title", "Churn watch")
    refused(page, "Title: an alert rule named 'churn-watch' already exists in the reports file (read-only)")
    page.fill("#alert-rule-title", "Tenure drifts on churn")
    saved = save(page, "saved: alert when")
    assert "Alert rule 'tenure-drifts-on-churn' saved: alert when tenure_months drifting" in saved
    assert "in the last 30 days, checked every hour" in saved
    close_dialog(page)

    row = rule_row(page, "tenure-drifts-on-churn")
    text = page.inner_text(row)
    assert "active" in text and "tenure_months drifting · last 30 days · every hour" in text
    assert "email to ana@example.com, slack webhook hooks.slack.com" in text and "by ana@example.com" in text
    page.click(f"{row} button:has-text('Pause')")
    page.wait_for_function(
        f"() => document.querySelector({row!r}).innerText.includes('paused')", timeout=15000
    )
    assert page.locator(f"{row} button:has-text('Resume')").count() == 1
    assert "Alert rule 'tenure-drifts-on-churn' paused." in page.inner_text("#alert-rule-list-feedback")
    assert problems.all() == []
    page.close()


def test_arb002_a_metric_drop_rule_from_live_performance_then_deleted(server, browser_context) -> None:
    page = open_page(
        browser_context, server, "/performance?model=churn&source=live", "analyst", "ana@example.com"
    )
    problems = watch(page)
    open_dialog(page)
    assert page.is_checked("#alert-rule-watch input[value='performance_drop']")
    assert page.input_value("#alert-rule-metric") == "accuracy"
    assert page.is_hidden("#alert-rule-feature-row")
    page.fill("#alert-rule-by", "a lot")
    refused(page, "Drops by: expected a positive number or a percentage such as '10%', not 'a lot'")
    page.fill("#alert-rule-by", "10")
    page.check("#alert-rule-watch input[value='performance_drop']")
    page.click("label:has-text('% of reference')")
    page.fill("#alert-rule-min-labels", "30")
    page.select_option("#alert-rule-schedule", "*/15 * * * *")
    page.fill("#alert-rule-title", "Churn accuracy drops")
    saved = save(page, "saved: alert when")
    assert "alert when accuracy worse than reference by more than 10%" in saved
    assert "checked every 15 minutes" in saved
    close_dialog(page)

    row = rule_row(page, "churn-accuracy-drops")
    assert (
        "accuracy worse than reference by more than 10% · last 7 days · every 15 minutes"
        in page.inner_text(row)
    )
    assert page.locator("#alert-rule-list [data-rule='tenure-drifts-on-churn']").count() == 1
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click(f"{row} button:has-text('Delete')")
    page.wait_for_timeout(1000)
    assert asked == ["Delete the alert rule 'churn-accuracy-drops'? Its open alerts are resolved."]
    assert page.locator(row).count() == 1, "a dismissed confirmation deletes nothing"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"{row} button:has-text('Delete')")
    page.wait_for_selector(row, state="detached", timeout=15000)
    assert "deleted" in page.inner_text("#alert-rule-list-feedback")
    assert problems.all() == []
    page.close()


def test_arb003_viewers_see_why_they_cannot_and_the_server_refuses_them(server, browser_context) -> None:
    page = open_page(browser_context, server, "/drift?model=churn", "viewer", "vic@example.com")
    assert page.is_disabled("#alert-rule-open")
    assert "Making alert rules needs the analyst role; you are viewer." in page.inner_text(
        "#alert-rule-panel"
    )
    assert page.locator("#alert-rule-list button").count() == 0, "viewers change no rule"
    page.close()

    headers = identity("viewer", "vic@example.com")
    deps = requests.get(server.url + "/_dash-dependencies", headers=headers, timeout=30).json()
    [spec] = [d for d in deps if any(i["id"] == "alert-rule-save" for i in d["inputs"])]
    body = {
        "output": spec["output"],
        "outputs": outputs_of(spec["output"]),
        "inputs": [{"id": "alert-rule-save", "property": "n_clicks", "value": 1}],
        "state": [{**s, "value": None} for s in spec["state"]],
        "changedPropIds": ["alert-rule-save.n_clicks"],
    }
    reply = requests.post(
        server.url + "/_dash-update-component",
        data=json.dumps(body),
        headers={**headers, "Content-Type": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 403 and "needs the analyst role" in reply.text
