"""The role matrix: every page and action, allowed or denied, for viewer, analyst and admin."""

from __future__ import annotations

import pytest

from portal.security.gate import CALLBACK_POLICIES_KEY
from tests.api.test_predict_api import reference_records
from tests.security.conftest import as_role

SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
ROLES = ("viewer", "analyst", "admin")
# page -> lowest role allowed
PAGES = {
    "/": "viewer",
    "/overview": "viewer",
    "/performance": "viewer",
    "/drift": "viewer",
    "/alerts": "viewer",
    "/compare": "viewer",
    "/feedback": "analyst",
    "/reports": "viewer",  # each sees their own subscriptions
    "/models": "viewer",
    "/what-if": "analyst",
    "/batch": "analyst",
    "/batches": "analyst",
    "/admin/tokens": "admin",
    "/admin/audit": "admin",
}


def _allowed(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def _request(client, role: str, method: str, url: str, **kwargs):
    identity = as_role(role)
    headers = {**SAME_ORIGIN, **identity["headers"], **kwargs.pop("headers", {})}
    return client.open(url, method=method, headers=headers, environ_base=identity["environ_base"], **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_rol001_pages_by_role(header_app, role: str) -> None:
    client = header_app.server.test_client()
    for page, needed in PAGES.items():
        reply = _request(client, role, "GET", page)
        expected = 200 if _allowed(role, needed) else 403
        assert reply.status_code == expected, (role, page)
        if expected == 403:
            text = reply.get_data(as_text=True)
            assert f"needs the {needed} role" in text and "<html" in text


def _actions(data_dir) -> dict[str, tuple[str, str, dict]]:
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    return {
        "list models API": ("viewer", "GET", {"url": "/api/v1/models"}),
        "model detail API": ("viewer", "GET", {"url": "/api/v1/models/churn"}),
        "OpenAPI document": ("viewer", "GET", {"url": "/api/v1/openapi.json"}),
        "drift API": ("viewer", "GET", {"url": "/api/v1/models/churn/drift?window=7d"}),
        "predict API": (
            "analyst",
            "POST",
            {"url": "/api/v1/models/churn/predict", "json": {"records": [record]}},
        ),
        "overview CSV export": ("analyst", "GET", {"url": "/export/overview.csv?model=churn"}),
        "versions CSV": ("analyst", "GET", {"url": "/export/models/churn/versions.csv"}),
        "batch upload": (
            "analyst",
            "POST",
            {
                "url": "/batch/upload?model=churn&filename=a.csv",
                "data": b"tenure_months\n1\n",
                "content_type": "application/octet-stream",
            },
        ),
        "issue embed token": (
            "admin",
            "POST",
            {"url": "/api/v1/embed-tokens", "json": {"page": "/overview", "ttl": "1h"}},
        ),
        "metrics": ("admin", "GET", {"url": "/metrics"}),
    }


@pytest.mark.parametrize("role", ROLES)
def test_rol002_actions_by_role(header_app, data_dir, role: str) -> None:
    client = header_app.server.test_client()
    for action, (needed, method, kwargs) in _actions(data_dir).items():
        kwargs = dict(kwargs)
        reply = _request(client, role, method, kwargs.pop("url"), **kwargs)
        if _allowed(role, needed):
            assert reply.status_code in (200, 201, 202), (role, action, reply.get_data(as_text=True)[:300])
        else:
            assert reply.status_code == 403, (role, action)
            assert f"needs the {needed} role" in reply.get_data(as_text=True), (role, action)


@pytest.mark.parametrize("role", ROLES)
def test_rol003_callbacks_follow_their_page_role(header_app, role: str) -> None:
    client = header_app.server.test_client()
    policies = header_app.server.extensions[CALLBACK_POLICIES_KEY]
    for key, policy in policies.items():
        body = {"output": key, "outputs": [], "inputs": [], "state": [], "changedPropIds": []}
        reply = _request(client, role, "POST", "/_dash-update-component", json=body)
        if _allowed(role, policy.role.label):
            assert reply.status_code != 403, (role, key)
        else:
            assert reply.status_code == 403, (role, key)
            assert "needs the" in reply.get_json()["error"]["message"]


def test_rol004_a_user_in_no_configured_group_is_told_why(header_app) -> None:
    reply = header_app.server.test_client().get(
        "/overview",
        headers={"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "contractors"},
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
    )
    assert reply.status_code == 403
    assert "none of your groups has a portal role" in reply.get_data(as_text=True)


def test_rol005_router_layouts_check_the_role_too(header_app) -> None:
    """The page router callback draws any pathname; a viewer asking for /what-if gets the refusal."""
    client = header_app.server.test_client()
    key = next(k for k in header_app.callback_map if "_pages_content" in k)
    body = {
        "output": key,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/what-if"},
            {"id": "_pages_location", "property": "search", "value": "?model=churn"},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }
    viewer = _request(client, "viewer", "POST", "/_dash-update-component", json=body)
    assert viewer.status_code == 200
    assert "needs the analyst role" in viewer.get_data(as_text=True)
    assert "whatif-form" not in viewer.get_data(as_text=True)
    analyst = _request(client, "analyst", "POST", "/_dash-update-component", json=body)
    assert "whatif-form" in analyst.get_data(as_text=True)


def test_rol006_embed_links_open_their_own_non_admin_page_only(header_app) -> None:
    from portal.embed import tokens as embed_tokens
    from tests.security.conftest import HEADER_ENV, STRANGER

    secret = HEADER_ENV["PORTAL_SECRET_KEY"]
    client = header_app.server.test_client()
    stranger = {"environ_base": {"REMOTE_ADDR": STRANGER}}
    overview = embed_tokens.embed_path(secret, "/overview", {}, 600)
    assert client.get(overview, **stranger).status_code == 200
    token = overview.split("token=")[1]
    other = client.get(f"/embed/performance?token={token}", **stranger)
    assert other.status_code == 401, "the gate refuses another page's link"
    full = client.get("/overview", headers={"X-Portal-Embed-Token": token}, **stranger)
    assert full.status_code == 403, "a link never opens the full page"
    assert "An embed link opens its own page only" in full.get_data(as_text=True)
    with pytest.raises(ValueError):
        embed_tokens.issue(secret, "/overview", 600, role="admin")  # a token never acts as an admin
    reports = embed_tokens.embed_path(secret, "/reports", {}, 600)
    refused = client.get(reports, **stranger)
    assert refused.status_code in (401, 403, 404), "the Reports page has no embed copy"
    assert "Run history" not in refused.get_data(as_text=True)
