"""The API tokens and audit pages in real Chromium: create a token, use it, revoke it, see both in the log."""

from __future__ import annotations

import pytest
import requests

from tests.support.browser import watch

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


def test_adm001_create_use_revoke_on_the_tokens_page(served, browser_context) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    page.goto(served.url + "/admin/tokens", wait_until="networkidle")
    page.wait_for_function(READY, timeout=15000)
    page.fill("#tokens-name", "<b>report bot</b>")
    page.click("#tokens-create")
    page.wait_for_selector("text=give the token a name", timeout=15000)
    page.fill("#tokens-name", "report bot")
    page.click("#tokens-create")
    page.wait_for_selector("#tokens-secret", timeout=15000)
    secret = page.inner_text("#tokens-secret").strip()
    assert secret.startswith("pt_")
    table = page.inner_text("#tokens-table")
    assert "report bot" in table and "viewer" in table and "active" in table

    bearer = {"Authorization": f"Bearer {secret}"}
    assert requests.get(served.url + "/api/v1/models", headers=bearer, timeout=10).status_code == 200
    predict = requests.post(
        served.url + "/api/v1/models/churn/predict", json={"records": []}, headers=bearer, timeout=10
    )
    assert predict.status_code == 403, "a viewer token cannot predict"

    token_id = secret.split("_")[1]
    page.fill("#tokens-revoke-id", token_id)
    page.click("#tokens-revoke")
    page.wait_for_selector(f"text=Token {token_id} revoked.", timeout=15000)
    assert "revoked" in page.inner_text("#tokens-table")
    assert requests.get(served.url + "/api/v1/models", headers=bearer, timeout=10).status_code == 401

    page.goto(served.url + "/admin/audit", wait_until="networkidle")
    page.wait_for_function(READY, timeout=15000)
    audit = page.inner_text("#audit-table")
    assert "token.create" in audit and "token.revoke" in audit and token_id in audit
    assert "127.0.0.1" in audit
    assert problems.all() == []
    page.close()
