"""OIDC mode without a browser: login redirects, expired sessions, safe next targets, groups parsing."""

from __future__ import annotations

import time

import pytest

from portal.security.oidc import groups_from_claims, safe_next

OIDC_ENV = {
    "PORTAL_AUTH": "oidc",
    "PORTAL_OIDC_ISSUER": "http://127.0.0.1:9",
    "PORTAL_OIDC_CLIENT_ID": "portal",
    "PORTAL_VIEWER_GROUPS": "staff",
    "PORTAL_SECRET_KEY": "q" * 40,
}


@pytest.fixture()
def oidc_app(make_settings):
    from portal.app import create_app

    return create_app(make_settings(**OIDC_ENV))


def test_osn001_pages_redirect_to_sign_in_and_apis_answer_401(oidc_app) -> None:
    client = oidc_app.server.test_client()
    page = client.get("/overview?model=churn")
    assert page.status_code == 302
    assert page.headers["Location"] == "/auth/login?next=/overview%3Fmodel%3Dchurn"
    api = client.get("/api/v1/models")
    assert api.status_code == 401 and api.get_json()["error"]["message"] == "Sign in to use the portal."
    dash = client.get("/_dash-layout")
    assert dash.status_code == 401 and dash.is_json


def test_osn002_a_session_works_until_it_expires(oidc_app) -> None:
    client = oidc_app.server.test_client()
    with client.session_transaction() as session:
        session["portal_user"] = {"name": "alice", "groups": ["staff"], "expires": time.time() + 60}
    assert client.get("/api/v1/models").status_code == 200
    with client.session_transaction() as session:
        session["portal_user"] = {**session["portal_user"], "expires": time.time() - 1}
    assert client.get("/api/v1/models").status_code == 401
    assert client.get("/overview").status_code == 302


def test_osn003_an_unreachable_provider_is_a_clear_503_not_a_crash(oidc_app) -> None:
    reply = oidc_app.server.test_client().get("/auth/login?next=/overview")
    assert reply.status_code == 503
    assert "did not answer" in reply.get_data(as_text=True)


def test_osn004_a_callback_with_a_provider_error_or_no_state_is_refused_clearly(oidc_app) -> None:
    client = oidc_app.server.test_client()
    denied = client.get("/auth/callback?error=access_denied&error_description=%3Cb%3Enope%3C/b%3E")
    assert denied.status_code == 401
    assert "&lt;b&gt;nope&lt;/b&gt;" in denied.get_data(as_text=True)
    forged = client.get("/auth/callback?code=abc&state=forged")
    assert forged.status_code == 401


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/overview?model=churn", "/overview?model=churn"),
        ("https://evil.example.net/", "/"),
        ("//evil.example.net/", "/"),
        ("/\\evil.example.net", "/"),
        (None, "/"),
    ],
)
def test_osn005_sign_in_returns_only_to_this_portal(raw, expected) -> None:
    assert safe_next(raw) == expected


def test_osn006_groups_claim_as_list_or_string() -> None:
    assert groups_from_claims({"g": ["a", "b", "a"]}, "g") == ("a", "b")
    assert groups_from_claims({"g": "a, b;c"}, "g") == ("a", "b;c"), "commas alone separate groups"
    assert groups_from_claims({}, "g") == ()


def test_osn007_sign_out_is_a_post_from_this_portal_only(oidc_app) -> None:
    """A link, an image tag or another site's form must not sign anyone out."""
    client = oidc_app.server.test_client()
    with client.session_transaction() as session:
        session["portal_user"] = {"name": "alice", "groups": ["staff"], "expires": time.time() + 60}
    asked = client.get("/auth/logout")
    assert asked.status_code == 200
    assert '<form method="post" action="/auth/logout">' in asked.get_data(as_text=True)
    assert client.get("/api/v1/models").status_code == 200, "a GET signs nobody out"
    forged = client.post("/auth/logout", headers={"Origin": "https://evil.example.net"})
    assert forged.status_code == 403
    forged_site = client.post("/auth/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert forged_site.status_code == 403
    assert client.get("/api/v1/models").status_code == 200
    done = client.post(
        "/auth/logout", headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    )
    assert done.status_code == 302
    assert client.get("/api/v1/models").status_code == 401
