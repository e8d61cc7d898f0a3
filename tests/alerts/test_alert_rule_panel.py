"""The "Alert me when…" panel is on the Drift and live Performance pages, and never in an embed."""

from __future__ import annotations

import json

import pytest

from portal import ids
from portal.app import create_app
from portal.embed import tokens as embed_tokens
from tests.support.dash_requests import router_request

SECRET = "e" * 40


@pytest.fixture()
def client(make_settings):
    return create_app(make_settings(PORTAL_SECRET_KEY=SECRET)).server.test_client()


def layout_of(client, pathname: str, search: str = "", referer: str = "") -> str:
    """The page's layout as the router callback draws it; an embed's frame sends its URL as Referer."""
    headers = {"Referer": f"http://localhost{referer}"} if referer else {}
    response = client.post("/_dash-update-component", json=router_request(pathname, search), headers=headers)
    assert response.status_code == 200
    return json.dumps(response.get_json()["response"]["_pages_content"]["children"])


@pytest.mark.parametrize("path", ["/drift", "/performance"])
def test_arp001_the_pages_draw_the_panel_and_embeds_do_not(client, path: str) -> None:
    assert ids.ALERT_RULE_OPEN in layout_of(client, path, "?model=churn&source=live")
    link = embed_tokens.embed_path(SECRET, path, {"model": "churn"}, 600)
    embedded = layout_of(client, embed_tokens.page_embed_path(path), "?" + link.split("?")[1], link)
    assert "portal-embed-page" in embedded and ids.ALERT_RULE_OPEN not in embedded
