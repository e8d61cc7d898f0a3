"""OIDC sign-in end to end in real Chromium, against a real provider on loopback."""

from __future__ import annotations

import base64
import hashlib
import shutil

import pytest

from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.oidc_provider import oidc_provider
from tests.support.servers import start_gunicorn

pytestmark = pytest.mark.browser
READY = "() => document.body.dataset.portalReady === 'true'"
USERS = {
    "alice": {"preferred_username": "alice", "portal_groups": ["staff", "portal-analysts"]},
    "victor": {"preferred_username": "victor", "portal_groups": "staff"},
}


@pytest.fixture(scope="module")
def oidc_portal(tmp_path_factory, demo_models_dir):
    target = tmp_path_factory.mktemp("oidc") / "var"
    shutil.copytree(demo_models_dir, target)
    with oidc_provider(USERS) as provider:
        env = base_env(
            target,
            PORTAL_WORKERS="1",
            PORTAL_AUTH="oidc",
            PORTAL_OIDC_ISSUER=provider.url,
            PORTAL_OIDC_CLIENT_ID="portal-tests",
            PORTAL_OIDC_CLIENT_SECRET="client-secret",
            PORTAL_OIDC_GROUPS_CLAIM="portal_groups",
            PORTAL_VIEWER_GROUPS="staff",
            PORTAL_ANALYST_GROUPS="portal-analysts",
            PORTAL_ADMIN_GROUPS="portal-admins",
            PORTAL_SECRET_KEY="o" * 40,
        )
        server = start_gunicorn(env)
        try:
            yield server, provider
        finally:
            server.stop()


def _sign_in(page, portal_url: str, path: str, sub: str) -> None:
    page.goto(portal_url + path)
    page.wait_for_selector("text=Authorize Client", timeout=15000)
    page.get_by_role("button", name=sub, exact=True).click()
    page.wait_for_url(portal_url + path, timeout=15000)


def test_oidc001_sign_in_with_pkce_roles_from_the_groups_claim_and_sign_out(oidc_portal, tmp_path) -> None:
    from tests.support.browser import chromium_context

    server, provider = oidc_portal
    with chromium_context((1280, 1000)) as context:
        page = context.new_page()
        _sign_in(page, server.url, "/what-if?model=churn", "alice")
        page.wait_for_function(READY, timeout=20000)
        # The provider's own page loads things from the internet; the portal's pages are watched.
        problems = watch(page, expected_statuses=(403,))
        page.reload()
        page.wait_for_function(READY, timeout=20000)
        assert "alice (analyst)" in page.inner_text("#navbar-user")
        assert page.locator("#whatif-form").count() == 1

        query = provider.authorize_queries[-1]
        assert query["code_challenge_method"] == ["S256"] and query["nonce"][0]
        verifier = provider.token_forms[-1]["code_verifier"][0]
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        assert query["code_challenge"] == [challenge]

        cookie = next(c for c in context.cookies() if c["name"] == "session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

        admin_only = page.goto(server.url + "/admin/tokens")
        assert admin_only.status == 403
        assert "needs the admin role; you are analyst" in page.inner_text("body")
        assert [e for e in problems.all() if "403" not in e] == [], (
            problems.failed_responses,
            problems.console_errors,
        )

        page.goto(server.url + "/overview?model=churn")
        page.wait_for_function(READY, timeout=20000)
        page.click("#navbar-sign-out")  # a POST from the portal's own page
        page.wait_for_load_state("networkidle")
        confirm = page.get_by_role("button").first  # the provider may ask to confirm
        if confirm.count():
            confirm.click()
            page.wait_for_load_state("networkidle")
        page.goto(server.url + "/overview")
        page.wait_for_selector("text=Authorize Client", timeout=15000)
        assert page.url.startswith(provider.url)
        page.close()


def test_oidc002_a_viewer_signs_in_and_is_kept_to_viewer_pages(oidc_portal) -> None:
    from tests.support.browser import chromium_context

    server, _ = oidc_portal
    with chromium_context((1280, 1000)) as context:
        page = context.new_page()
        _sign_in(page, server.url, "/overview?model=churn", "victor")
        page.wait_for_function(READY, timeout=20000)
        assert page.inner_text("#overview-kpis").strip()
        refused = page.goto(server.url + "/what-if")
        assert refused.status == 403
        page.close()
