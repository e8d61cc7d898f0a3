"""Header mode: user headers count only from trusted proxies; start-up refuses unsafe settings."""

from __future__ import annotations

import logging

import pytest

from portal.config import ConfigError
from tests.security.conftest import HEADER_ENV, PROXY, STRANGER, as_role


def test_hdr001_trusted_proxy_headers_sign_the_user_in(header_app) -> None:
    reply = header_app.server.test_client().get("/api/v1/models", **as_role("viewer", user="alice"))
    assert reply.status_code == 200


def test_hdr002_the_same_headers_from_elsewhere_are_ignored_and_logged(header_app, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="portal.security.identify")
    reply = header_app.server.test_client().get(
        "/api/v1/models",
        headers={"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "portal-admins"},
        environ_base={"REMOTE_ADDR": STRANGER},
    )
    assert reply.status_code == 401
    assert reply.get_json()["error"]["message"] == "Sign in to use the portal."
    assert any("untrusted address" in r.getMessage() for r in caplog.records)


def test_hdr003_x_forwarded_for_does_not_make_a_stranger_trusted(header_app) -> None:
    reply = header_app.server.test_client().get(
        "/overview",
        headers={
            "X-Forwarded-User": "mallory",
            "X-Forwarded-Groups": "portal-admins",
            "X-Forwarded-For": PROXY,
        },
        environ_base={"REMOTE_ADDR": STRANGER},
    )
    assert reply.status_code == 401
    assert "Sign in" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("peer", "status"),
    [(PROXY, 200), (STRANGER, 401), ("not an address", 401), ("", 401), (PROXY, 200)],
    ids=["proxy", "stranger", "garbage", "none", "proxy again (cached)"],
)
def test_hdr010_each_request_is_trusted_by_its_own_peer_address(header_app, peer: str, status: int) -> None:
    """The trust decision is cached per peer address: no answer may leak to another address."""
    client = header_app.server.test_client()
    for address, expected in ((peer, status), (STRANGER, 401), (PROXY, 200), (peer, status)):
        identity = as_role("viewer", user="alice")
        reply = client.get(
            "/api/v1/models", headers=identity["headers"], environ_base={"REMOTE_ADDR": address}
        )
        assert reply.status_code == expected, address


def test_hdr004_prediction_log_names_the_signed_in_user(header_app, data_dir) -> None:
    import sqlalchemy as sa

    from portal.db.prediction_log import prediction_log
    from tests.api.test_predict_api import reference_records

    record = reference_records(data_dir, "churn", rows=1)[1][0]
    identity = as_role("analyst", user="carol@example.com")
    reply = header_app.server.test_client().post(
        "/api/v1/models/churn/predict", json={"records": [record]}, **identity
    )
    assert reply.status_code == 200
    services = header_app.server.extensions["portal.services"]
    services.prediction_log.flush()
    with services.engine.connect() as conn:
        users = conn.execute(sa.select(prediction_log.c.user_name)).scalars().all()
    assert users == ["carol@example.com"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PORTAL_ENV": "production", "HOST": "0.0.0.0", "PORTAL_SECRET_KEY": "p" * 40},
            "PORTAL_AUTH=none makes everyone an admin, so PORTAL_ENV=production refuses it",
        ),
        (
            {"PORTAL_AUTH": "header", "PORTAL_ADMIN_GROUPS": "a"},
            "PORTAL_AUTH=header needs PORTAL_TRUSTED_PROXIES",
        ),
        ({"PORTAL_AUTH": "oidc", "PORTAL_ADMIN_GROUPS": "a"}, "PORTAL_AUTH=oidc needs PORTAL_OIDC_ISSUER"),
        (
            {
                **HEADER_ENV,
                "PORTAL_ADMIN_GROUPS": "",
                "PORTAL_ANALYST_GROUPS": "",
                "PORTAL_VIEWER_GROUPS": "",
            },
            "nobody could use the portal",
        ),
        ({"PORTAL_AUTH": "kerberos"}, "PORTAL_AUTH='kerberos' is invalid"),
        ({"PORTAL_TRUSTED_PROXIES": "10.0.0.0/33"}, "PORTAL_TRUSTED_PROXIES='10.0.0.0/33' is invalid"),
        ({"PORTAL_AUTH_USER_HEADER": "X User"}, "PORTAL_AUTH_USER_HEADER='X User' is invalid"),
    ],
)
def test_hdr005_unsafe_or_malformed_auth_settings_stop_start_up(make_settings, env, message) -> None:
    with pytest.raises(ConfigError) as caught:
        make_settings(**env)
    assert message in str(caught.value)


def test_hdr006_none_is_allowed_in_production_on_loopback(make_settings) -> None:
    settings = make_settings(PORTAL_ENV="production", HOST="127.0.0.1", PORTAL_SECRET_KEY="p" * 40)
    assert settings.auth == "none"


def test_hdr007_metrics_need_an_admin_or_the_scrape_token(make_settings) -> None:
    from portal.app import create_app

    app = create_app(make_settings(**HEADER_ENV, PORTAL_METRICS_TOKEN="scrape-" + "m" * 30))
    client = app.server.test_client()
    stranger = {"environ_base": {"REMOTE_ADDR": STRANGER}}
    assert client.get("/metrics", **stranger).status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"}, **stranger)
    assert wrong.status_code == 401 and "metrics token is not valid" in wrong.get_json()["error"]["message"]
    scraped = client.get("/metrics", headers={"Authorization": "Bearer scrape-" + "m" * 30}, **stranger)
    assert scraped.status_code == 200 and b"portal_" in scraped.data
    elsewhere = client.get(
        "/api/v1/models", headers={"Authorization": "Bearer scrape-" + "m" * 30}, **stranger
    )
    assert elsewhere.status_code == 401
    assert client.get("/metrics", **as_role("analyst")).status_code == 403
    assert client.get("/metrics", **as_role("admin")).status_code == 200


def test_hdr008_report_child_processes_get_the_same_sign_in_settings(make_settings) -> None:
    """Run now starts a child ``portal``; it must load exactly these groups and proxies."""
    from portal.config import load_settings
    from portal.reports.launch import settings_env

    settings = make_settings(
        **{
            **HEADER_ENV,
            "PORTAL_TRUSTED_PROXIES": "10.0.0.0/24, 192.168.1.7",
            "PORTAL_ADMIN_GROUPS": "Portal Admins,ops",
        }
    )
    assert load_settings(settings_env(settings)) == settings
