"""Who may frame the portal: PORTAL_FRAME_ANCESTORS parsing, the CSP on each HTML response, cookies."""

from __future__ import annotations

import pytest
from flask import session

from portal.app import create_app
from portal.config import ConfigError
from portal.embed import tokens as embed_tokens
from portal.security.policy import Kind, RoutePolicy, declare
from portal.security.roles import Role

SECRET = "k" * 40


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("'self'", ("'self'",)),
        ("'none'", ("'none'",)),
        ("'self' https://intranet.example.com", ("'self'", "https://intranet.example.com")),
        (
            "https://A.example.com:8443/, http://b.example:80",
            ("https://a.example.com:8443", "http://b.example"),
        ),
        ("http://localhost:5000,http://localhost:5000", ("http://localhost:5000",)),
        ("https://[::1]:9000", ("https://[::1]:9000",)),
    ],
)
def test_frm001_frame_ancestors_are_normalised(make_settings, raw, expected) -> None:
    assert make_settings(PORTAL_FRAME_ANCESTORS=raw).frame_ancestors == expected


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("", "expected 'self'"),
        ("*", "not an origin"),
        ("https://*.example.com", "not an origin"),
        ("self", "single quotes"),
        ("intranet.example.com", "not an origin"),
        ("https://intranet.example.com/dashboards", "not an origin"),
        ("javascript:alert(1)", "not an origin"),
        ("ftp://files.example.com", "not an origin"),
        ("https://user@intranet.example.com", "not an origin"),
        ("http://localhost:99999", "port outside"),
        ("'none' https://intranet.example.com", "cannot be combined"),
    ],
)
def test_frm002_bad_frame_ancestors_are_refused_naming_the_variable(make_settings, raw, hint) -> None:
    with pytest.raises(ConfigError) as caught:
        make_settings(PORTAL_FRAME_ANCESTORS=raw)
    message = str(caught.value)
    assert message.startswith("PORTAL_FRAME_ANCESTORS=")
    assert hint in message
    assert "\n" not in message


def _app(make_settings, **env: str):
    app = create_app(make_settings(PORTAL_SECRET_KEY=SECRET, **env))

    @app.server.get("/_test/boom")
    def boom() -> str:
        raise RuntimeError("deliberate failure")

    @app.server.get("/_test/remember")
    def remember() -> str:
        session["seen"] = True
        return "ok"

    for endpoint in ("boom", "remember"):
        declare(app.server, endpoint, RoutePolicy(Kind.ROLE, Role.VIEWER))
    return app


def test_frm003_every_html_response_carries_frame_ancestors(make_settings) -> None:
    policy = "frame-ancestors 'self' https://intranet.example.com"
    app = _app(make_settings, PORTAL_FRAME_ANCESTORS="'self' https://intranet.example.com")
    client = app.server.test_client()
    good = embed_tokens.embed_path(SECRET, "/overview", {}, 600)
    responses = {
        "page": client.get("/overview"),
        "home": client.get("/"),
        "embed": client.get(good),
        "embed 401": client.get("/embed/overview"),
        "404": client.get("/no/such/page"),
        "405": client.post("/overview"),
        "500": client.get("/_test/boom"),
    }
    expected_status = {"embed 401": 401, "404": 404, "405": 405, "500": 500}
    for name, response in responses.items():
        assert response.status_code == expected_status.get(name, 200), name
        assert response.mimetype == "text/html", name
        directives = [d.strip() for d in response.headers.get("Content-Security-Policy", "").split(";")]
        assert policy in directives, name
        assert "X-Frame-Options" not in response.headers, name


def test_frm004_json_responses_carry_the_same_policy(make_settings) -> None:
    client = _app(make_settings).server.test_client()
    response = client.get("/api/v1/models")
    assert response.status_code == 200
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]


def _cookie(response) -> list[str]:
    header = response.headers.get("Set-Cookie", "")
    return [part.strip().lower() for part in header.split(";")]


def test_frm005_session_cookie_is_lax_and_httponly_by_default(make_settings) -> None:
    response = _app(make_settings).server.test_client().get("/_test/remember")
    attributes = _cookie(response)
    assert attributes[0].startswith("session=")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes


def test_frm006_cross_site_embeds_get_samesite_none_secure_cookies(make_settings) -> None:
    app = _app(make_settings, PORTAL_EMBED_CROSS_SITE="true")
    response = app.server.test_client().get("/_test/remember", base_url="https://portal.example.com")
    attributes = _cookie(response)
    assert attributes[0].startswith("session=")
    assert {"httponly", "samesite=none", "secure"} <= set(attributes)


def test_frm007_cross_site_flag_is_validated(make_settings) -> None:
    with pytest.raises(ConfigError, match="PORTAL_EMBED_CROSS_SITE='maybe' is invalid"):
        make_settings(PORTAL_EMBED_CROSS_SITE="maybe")
