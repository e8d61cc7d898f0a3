"""Every route and every callback is protected, found by walking the app rather than a hand list."""

from __future__ import annotations

from portal.security.gate import CALLBACK_POLICIES_KEY
from portal.security.policy import Kind, route_policy
from tests.security.conftest import STRANGER, as_role
from tests.security.walk import route_requests, server_callbacks

SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def _call(client, method: str, url: str, **kwargs):
    if method == "GET":
        return client.get(url, **kwargs)
    headers = {**SAME_ORIGIN, **kwargs.pop("headers", {})}
    return client.open(url, method=method, json={}, headers=headers, **kwargs)


def test_sec001_every_route_has_a_policy_and_refuses_strangers(header_app) -> None:
    client = header_app.server.test_client()
    extra = header_app.server.extensions.get("portal.route_policies")
    checked = 0
    for endpoint, method, url in route_requests(header_app):
        policy = route_policy(endpoint, extra)
        assert policy is not None, f"{endpoint} ({url}) has no access rule in portal.security.policy"
        reply = _call(client, method, url, environ_base={"REMOTE_ADDR": STRANGER})
        if policy.kind is Kind.PUBLIC:
            assert reply.status_code != 401, url
        else:
            assert reply.status_code == 401, f"{method} {url} answered {reply.status_code} without sign-in"
            checked += 1
    assert checked >= 20


def test_sec002_every_callback_has_a_policy_and_refuses_strangers(header_app) -> None:
    client = header_app.server.test_client()
    policies = header_app.server.extensions[CALLBACK_POLICIES_KEY]
    keys = server_callbacks(header_app)
    assert len(keys) >= 20
    for key in keys:
        assert policies.get(key) is not None, f"callback {key} has no access rule"
        reply = client.post(
            "/_dash-update-component",
            json={"output": key, "outputs": [], "inputs": [], "state": [], "changedPropIds": []},
            headers=SAME_ORIGIN,
            environ_base={"REMOTE_ADDR": STRANGER},
        )
        assert reply.status_code == 401, key
        assert reply.get_json()["error"]["status"] == 401


def test_sec003_a_route_added_without_a_policy_fails_the_walk_and_is_refused(header_app) -> None:
    @header_app.server.get("/added-later")
    def added_later() -> str:
        return "secret"

    missing = [
        endpoint
        for endpoint, _, _ in route_requests(header_app)
        if route_policy(endpoint, header_app.server.extensions.get("portal.route_policies")) is None
    ]
    assert missing == ["added_later"]
    reply = header_app.server.test_client().get("/added-later", **as_role("admin"))
    assert reply.status_code == 403
    assert "secret" not in reply.get_data(as_text=True)


def test_sec004_a_callback_added_without_a_page_is_refused(header_app) -> None:
    from dash import Input, Output

    from portal.security.wiring import finish_security

    @header_app.callback(Output("nowhere-out", "children"), Input("nowhere-in", "value"))
    def stray(value):
        return "secret"

    finish_security(header_app, header_app.server.extensions["portal.services"].pages)
    policies = header_app.server.extensions[CALLBACK_POLICIES_KEY]
    assert policies["nowhere-out.children"] is None
    assert [key for key, policy in policies.items() if policy is None] == ["nowhere-out.children"]
    admin = as_role("admin")
    reply = header_app.server.test_client().post(
        "/_dash-update-component",
        json={
            "output": "nowhere-out.children",
            "outputs": {"id": "nowhere-out", "property": "children"},
            "inputs": [{"id": "nowhere-in", "property": "value", "value": 1}],
            "changedPropIds": [],
        },
        headers={**SAME_ORIGIN, **admin["headers"]},
        environ_base=admin["environ_base"],
    )
    assert reply.status_code == 403
    assert "secret" not in reply.get_data(as_text=True)


def test_sec005_a_callback_marked_with_requires_needs_more_than_its_page() -> None:
    from portal.security.policy import callback_policies, requires
    from portal.security.roles import Role

    def refresh(_value):
        return None

    def download(_value):
        return None

    refresh.__module__ = download.__module__ = "callbacks.overview"
    marked = requires(Role.ANALYST)(download)
    spec = {"inputs": [{"id": "a", "property": "value"}], "state": []}
    policies = callback_policies(
        {"x.children": {**spec, "callback": refresh}, "y.children": {**spec, "callback": marked}},
        {"layouts.overview": "/overview"},
    )
    assert policies["x.children"].role is Role.VIEWER
    assert policies["y.children"].role is Role.ANALYST
