"""/embed/<page>: served without chrome for a valid token; refused with 401 otherwise, layout included."""

from __future__ import annotations

import json
import time

import pytest

from layouts import PAGES
from portal import ids
from portal.app import create_app
from portal.embed import tokens as embed_tokens
from tests.support.dash_requests import router_request

SECRET = "e" * 40


@pytest.fixture()
def embed_client(make_settings):
    settings = make_settings(PORTAL_SECRET_KEY=SECRET, PORTAL_FRAME_ANCESTORS="'self' http://localhost:8001")
    return create_app(settings).server.test_client()


def _route(client, pathname: str, search: str) -> dict:
    """Ask Dash's router callback for a page layout, as the browser does after loading the index."""
    body = router_request(pathname, search)
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    return response.get_json()["response"]["_pages_content"]["children"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_emb001_every_page_is_served_as_an_embed_with_its_token(embed_client, page) -> None:
    path = embed_tokens.embed_path(SECRET, page.path, {}, 600)
    response = embed_client.get(path)
    assert response.status_code == 200
    body_tag = next(line.strip() for line in response.text.splitlines() if "<body" in line)
    assert 'class="portal-embed"' in body_tag
    assert f'data-portal-embed-page="{page.path}"' in body_tag
    origins = "[&quot;&#x27;self&#x27;&quot;, &quot;http://localhost:8001&quot;]"
    assert f'data-portal-frame-ancestors="{origins}"' in body_tag
    search = "?" + path.split("?")[1]
    layout = json.dumps(_route(embed_client, embed_tokens.page_embed_path(page.path), search))
    assert "portal-embed-page" in layout
    assert ids.EMBED_REFUSED not in layout
    assert ids.NAVBAR not in layout


def test_emb002_full_pages_are_not_marked_as_embeds(embed_client) -> None:
    response = embed_client.get("/overview")
    assert response.status_code == 200
    assert "portal-embed" not in response.text


def _refusals() -> list[tuple[str, str, str]]:
    # Issued when the tests are collected: valid for a day, so a long suite run cannot expire them.
    good = embed_tokens.issue(SECRET, "/overview", 86400, {"model": "churn"})
    expired = embed_tokens.issue(SECRET, "/overview", 60, {"model": "churn"}, now=time.time() - 120)
    foreign = embed_tokens.issue("f" * 40, "/overview", 86400, {"model": "churn"})
    altered = good[:-3] + ("xyz" if not good.endswith("xyz") else "abc")
    return [
        ("/embed/overview?model=churn", "missing", "needs a token"),
        (f"/embed/overview?model=churn&token={altered}", "invalid", "altered"),
        (f"/embed/overview?model=churn&token={foreign}", "invalid", "altered"),
        (f"/embed/overview?model=churn&token={expired}", "expired", "expired"),
        (f"/embed/performance?model=churn&token={good}", "wrong-page", "another page"),
        (f"/embed/overview?model=revenue&token={good}", "query-not-allowed", "only allows model=churn"),
        (f"/embed/overview?token={good}", "query-not-allowed", "only allows model=churn"),
        (f"/embed/overview?model=churn&model=revenue&token={good}", "query-not-allowed", "only allows"),
        (f"/embed/overview?model=churn&token={good}&token={good}", "invalid", "more than one token"),
    ]


@pytest.mark.parametrize(("url", "reason", "says"), _refusals(), ids=lambda v: v if len(v) < 20 else None)
def test_emb003_bad_tokens_get_a_clear_401_page(embed_client, url, reason, says) -> None:
    response = embed_client.get(url)
    assert response.status_code == 401
    assert response.mimetype == "text/html"
    assert "Error 401" in response.text and says in response.text
    assert "react-entry-point" not in response.text
    assert "navbar" not in response.text and 'href="/"' not in response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    as_json = embed_client.get(url, headers={"Accept": "application/json"})
    assert as_json.status_code == 401
    error = as_json.get_json()["error"]
    assert error["status"] == 401 and error["reason"] == reason and says in error["message"]


@pytest.mark.parametrize(("url", "reason", "says"), _refusals(), ids=lambda v: v if len(v) < 20 else None)
def test_emb004_the_layout_endpoint_refuses_the_same_tokens(embed_client, url, reason, says) -> None:
    pathname, _, search = url.partition("?")
    layout = json.dumps(_route(embed_client, pathname, "?" + search))
    assert ids.EMBED_REFUSED in layout and says in layout
    assert "portal-embed-page" not in layout
    assert ids.OVERVIEW_MODEL not in layout and ids.PERF_MODEL not in layout


@pytest.mark.parametrize(("url", "reason", "says"), _refusals(), ids=lambda v: v if len(v) < 20 else None)
def test_emb009_with_sign_in_required_bad_links_still_say_what_is_wrong(
    make_settings, url, reason, says
) -> None:
    """Header sign-in refuses a frame before the embed gate; it must not just say "Sign in"."""
    from tests.security.conftest import HEADER_ENV

    client = create_app(make_settings(**{**HEADER_ENV, "PORTAL_SECRET_KEY": SECRET})).server.test_client()
    response = client.get(url)
    assert response.status_code == 401
    assert says in response.text and "Sign in to use the portal" not in response.text
    callback = client.post(
        "/_dash-update-component",
        json={"output": "x.children", "inputs": [], "state": []},
        headers={"Referer": "http://localhost" + url},
    )
    if reason == "expired" or says == "altered":  # the frame's own callbacks say the same
        assert callback.status_code == 401 and says in callback.get_json()["error"]["message"]


def test_emb005_a_token_for_one_page_never_renders_another(embed_client) -> None:
    path = embed_tokens.embed_path(SECRET, "/overview", {}, 600)
    token = path.split("token=")[1]
    for page in PAGES:
        if page.path == "/overview":
            continue
        url = f"{embed_tokens.page_embed_path(page.path)}?token={token}"
        assert embed_client.get(url).status_code == 401, page.path
        layout = json.dumps(_route(embed_client, embed_tokens.page_embed_path(page.path), f"?token={token}"))
        assert ids.EMBED_REFUSED in layout, page.path


def test_emb006_unpinned_parameters_stay_free(embed_client) -> None:
    path = embed_tokens.embed_path(SECRET, "/overview", {"model": "churn"}, 600)
    response = embed_client.get(path + "&segment=plan")
    assert response.status_code == 200
    layout = json.dumps(_route(embed_client, "/embed/overview", "?" + path.split("?")[1] + "&segment=plan"))
    assert ids.OVERVIEW_MODEL in layout


def test_emb007_unknown_embed_paths_are_404(embed_client) -> None:
    token = embed_tokens.issue(SECRET, "/nowhere", 600)
    response = embed_client.get(f"/embed/nowhere?token={token}")
    assert response.status_code == 404
    assert "portal-embed" not in response.text


def _find(node, component_id: str) -> dict | None:
    """The serialised component with ``component_id`` in a layout returned by Dash."""
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == component_id:
            return node
        children = node.get("props", {}).get("children")
        return _find(children, component_id) if children is not None else None
    if isinstance(node, list):
        for child in node:
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


@pytest.mark.parametrize(
    ("page", "pinned", "locked", "free"),
    [
        ("/overview", {"model": "churn"}, ids.OVERVIEW_MODEL, ids.OVERVIEW_SEGMENT),
        ("/performance", {"model": "churn", "threshold": "0.3"}, ids.PERF_THRESHOLD, ids.PERF_SOURCE),
        ("/models", {"model": "revenue"}, ids.MODELS_SELECT, ids.MODELS_SAMPLE_ROW),
        ("/what-if", {"model": "churn"}, ids.WHATIF_MODEL, ids.WHATIF_SENSITIVITY_FEATURE),
    ],
)
def test_emb008_pinned_controls_are_locked_in_the_embed(embed_client, page, pinned, locked, free) -> None:
    path = embed_tokens.embed_path(SECRET, page, pinned, 600)
    layout = _route(embed_client, embed_tokens.page_embed_path(page), "?" + path.split("?")[1])
    assert _find(layout, locked)["props"].get("disabled") is True
    assert not _find(layout, free)["props"].get("disabled")
    full = _route(embed_client, page, "?" + path.split("?")[1])
    assert not _find(full, locked)["props"].get("disabled")
