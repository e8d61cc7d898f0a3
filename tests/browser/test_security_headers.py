"""In real Chromium: the CSP is enforced while every page still works, and embeds work without a session."""

from __future__ import annotations

import pytest
import requests

from layouts import ADMIN_PAGES, PAGES
from portal.embed import tokens as embed_tokens
from tests.conftest import base_env
from tests.security.conftest import HEADER_ENV
from tests.support.browser import watch
from tests.support.servers import start_gunicorn

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"


@pytest.mark.parametrize("page_def", (*PAGES, *ADMIN_PAGES), ids=lambda p: p.name)
def test_bsec001_pages_work_under_the_csp_with_a_clean_console(served, browser_context, page_def) -> None:
    page = browser_context.new_page()
    problems = watch(page)
    response = page.goto(served.url + page_def.path + "?model=churn", wait_until="networkidle")
    policy = response.headers["content-security-policy"]
    assert "unsafe-eval" not in policy and "script-src 'self' 'sha256-" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    page.wait_for_selector(".portal-page-header", timeout=15000)
    page.wait_for_function(READY, timeout=20000)
    assert problems.all() == []
    page.close()


def test_bsec002_the_csp_blocks_eval_and_injected_inline_script(served, browser_context) -> None:
    page = browser_context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if msg.type == "error" else None)
    page.goto(served.url + "/", wait_until="networkidle")
    page.wait_for_function(READY, timeout=15000)
    page.evaluate(
        """() => {
            window.__violations = [];
            document.addEventListener(
                'securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
            setTimeout("window.__evaled = true;", 0);
            const script = document.createElement('script');
            script.textContent = 'window.__injected = true;';
            document.body.appendChild(script);
        }"""
    )
    page.wait_for_timeout(500)
    blocked = page.evaluate(
        "() => ({evaled: window.__evaled === true, injected: window.__injected === true})"
    )
    assert blocked == {"evaled": False, "injected": False}
    assert "script-src-elem" in page.evaluate("() => window.__violations")
    assert any("Content Security Policy" in text for text in violations)
    page.close()


@pytest.fixture(scope="module")
def header_served(tmp_path_factory, demo_models_dir):
    """Header-mode gunicorn; Chromium connects from 127.0.0.1, which is not a trusted proxy."""
    import shutil

    target = tmp_path_factory.mktemp("header") / "var"
    shutil.copytree(demo_models_dir, target)
    server = start_gunicorn(base_env(target, PORTAL_WORKERS="1", **HEADER_ENV))
    try:
        yield server
    finally:
        server.stop()


def test_bsec003_an_embed_works_without_a_session_and_only_for_its_page(
    header_served, browser_context
) -> None:
    assert requests.get(header_served.url + "/overview", timeout=10).status_code == 401
    path = embed_tokens.embed_path(HEADER_ENV["PORTAL_SECRET_KEY"], "/overview", {"model": "churn"}, 600)
    page = browser_context.new_page()
    problems = watch(page)
    carried: list[str] = []
    page.on(
        "request",
        lambda req: (
            carried.append(req.headers.get("x-portal-embed-token", ""))
            if "/_dash-update-component" in req.url
            else None
        ),
    )
    page.goto(header_served.url + path, wait_until="networkidle")
    page.wait_for_function(READY, timeout=20000)
    assert page.locator("#overview-kpis").inner_text().strip() != ""
    assert problems.all() == []
    assert carried and all(carried), "every callback request carries the embed token"
    token = path.split("token=")[1]
    other = requests.get(
        header_served.url + "/api/v1/models", headers={"X-Portal-Embed-Token": token}, timeout=10
    )
    assert other.status_code == 401
    page.close()
