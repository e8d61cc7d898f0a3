"""WCAG 2.1 AA in real Chromium: axe-core on every page and every embed, and the keyboard alone.

axe runs with the CSP bypassed in its own browser context: it injects its script into the page,
which the portal's policy (rightly) forbids to anything but the portal's own files.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import layouts
from portal.config import DEFAULT_SECRET_KEY
from portal.embed import tokens as embed_tokens
from portal.security.policy import embeddable
from tests.conftest import base_env
from tests.support.browser import chromium_context
from tests.support.servers import GunicornServer, start_gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.gunicorn]
READY = "() => document.body.dataset.portalReady === 'true'"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
PAGES = [page.path for page in (*layouts.PAGES, *layouts.ADMIN_PAGES)]
EMBEDS = embeddable([page.path for page in layouts.PAGES])


@pytest.fixture(scope="module")
def signed_in(tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path) -> Iterator[GunicornServer]:
    """The portal behind a trusted proxy's sign-in header: only then does the navbar name the user."""
    data_dir = tmp_path_factory.mktemp("a11y-header") / "var"
    shutil.copytree(demo_models_dir, data_dir)
    env = base_env(
        data_dir,
        PORTAL_WORKERS="1",
        PORTAL_AUTH="header",
        PORTAL_TRUSTED_PROXIES="127.0.0.1/32",
        PORTAL_ANALYST_GROUPS="portal-analysts",
        PORTAL_SECRET_KEY="a" * 40,
    )
    server = start_gunicorn(env)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def axe_page(served) -> Iterator[object]:
    with chromium_context((1280, 1000), bypass_csp=True) as context:
        yield context.new_page()


def _violations(page, url: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(url)
    page.wait_for_function(READY, timeout=45000)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['html'][:120]}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("path", PAGES)
def test_a11y001_every_page_has_no_serious_wcag_21_aa_violation(served, axe_page, path) -> None:
    query = "" if path.startswith("/admin") or path in ("/", "/reports", "/batches") else "?model=churn"
    assert _violations(axe_page, f"{served.url}{path}{query}") == []


@pytest.mark.parametrize("path", EMBEDS)
def test_a11y002_every_embed_has_no_serious_wcag_21_aa_violation(served, axe_page, path) -> None:
    embed = embed_tokens.embed_path(DEFAULT_SECRET_KEY, path, {}, 600)
    assert _violations(axe_page, served.url + embed) == []


def test_a11y003_the_keyboard_reaches_every_control_and_operates_a_dropdown(served, axe_page) -> None:
    page = axe_page
    page.goto(f"{served.url}/overview?model=churn")
    page.wait_for_function(READY, timeout=45000)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to the page"
    reached = set()
    for _ in range(80):  # past the navbar, the pickers and each chart's toolbar
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.id"))
    assert {"overview-model", "overview-version", "overview-segment", "overview-export"} <= reached
    page.focus("#overview-model")
    page.keyboard.press("ArrowDown")  # opens the list with the current model chosen
    page.wait_for_selector("#overview-model[aria-expanded='true']")
    page.wait_for_function("() => document.activeElement.value === 'churn'")  # focus is in the list
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.activeElement.value === 'revenue'")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('model=revenue')", timeout=15000)
    page.wait_for_function(READY, timeout=45000)
    assert "revenue" in page.inner_text("#overview-model")


def test_a11y004_charts_are_named_figures(served, axe_page) -> None:
    page = axe_page
    page.goto(f"{served.url}/performance?model=churn")
    page.wait_for_function(READY, timeout=45000)
    names = page.eval_on_selector_all(
        ".js-plotly-plot", "charts => charts.map(c => [c.getAttribute('role'), c.getAttribute('aria-label')])"
    )
    assert names and all(role == "figure" and label.startswith("Chart: ") for role, label in names), names
    assert any("ROC curve" in label for _, label in names)


def test_a11y005_with_header_sign_in_the_navbar_user_has_enough_contrast(signed_in, axe_page) -> None:
    """The navbar names who is signed in only with sign-in, which the tests above run without."""
    from axe_playwright_python.sync_playwright import Axe

    page = axe_page.context.new_page()
    page.set_extra_http_headers(
        {"X-Forwarded-User": "ana@example.com", "X-Forwarded-Groups": "portal-analysts"}
    )
    found = _violations(page, f"{signed_in.url}/models")
    assert page.inner_text("#navbar-user") == "ana@example.com (analyst)"
    assert [problem for problem in found if "#navbar-user" in problem] == []
    assert found == []
    # axe leaves out what it cannot judge (on some pages, the whole navbar): it must have judged the name.
    judged = Axe().run(page, context="#navbar-user", options={"runOnly": ["color-contrast"]}).response
    assert [rule["id"] for rule in judged["passes"]] == ["color-contrast"], judged["incomplete"]
    page.close()
