"""Report tokens act as their subscriber's role, never as an admin, and put the page in report mode."""

from __future__ import annotations

import pytest

from portal.embed import tokens as embed_tokens
from tests.security.conftest import HEADER_ENV, STRANGER

SECRET = HEADER_ENV["PORTAL_SECRET_KEY"]
AWAY = {"environ_base": {"REMOTE_ADDR": STRANGER}}


@pytest.fixture()
def signed_in_app(make_settings):
    """Sign-in required, so a request from a stranger is only what its embed token allows."""
    from portal.app import create_app

    return create_app(make_settings(**HEADER_ENV))


def test_rtk001_a_token_never_carries_the_admin_role() -> None:
    with pytest.raises(ValueError, match="never 'admin'"):
        embed_tokens.issue(SECRET, "/overview", 60, role="admin")
    assert (
        embed_tokens.verify(
            SECRET, embed_tokens.issue(SECRET, "/overview", 60, role="viewer"), "/overview"
        ).role
        == "viewer"
    )


def test_rtk002_a_viewer_scoped_token_cannot_open_an_analyst_page(signed_in_app) -> None:
    client = signed_in_app.server.test_client()
    viewer = embed_tokens.embed_path(SECRET, "/what-if", {}, 60, "report:x", role="viewer")
    refused = client.get(viewer, **AWAY)
    assert refused.status_code == 401
    assert "acts as a viewer, and /what-if needs the analyst role" in refused.get_data(as_text=True)
    analyst = embed_tokens.embed_path(SECRET, "/what-if", {}, 60, "report:x", role="analyst")
    assert client.get(analyst, **AWAY).status_code == 200


def test_rtk003_report_renders_and_print_links_are_in_report_mode(signed_in_app) -> None:
    client = signed_in_app.server.test_client()
    report = client.get(
        embed_tokens.embed_path(SECRET, "/overview", {}, 60, "report:x", role="viewer"), **AWAY
    )
    assert 'class="portal-embed portal-report"' in report.get_data(as_text=True)
    plain = client.get(embed_tokens.embed_path(SECRET, "/overview", {}, 60), **AWAY)
    assert 'class="portal-embed"' in plain.get_data(as_text=True)
    printed = client.get(embed_tokens.embed_path(SECRET, "/overview", {}, 60) + "&print=1", **AWAY)
    assert 'class="portal-embed portal-report"' in printed.get_data(as_text=True)
