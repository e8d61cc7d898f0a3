"""Pages hide what the requester's role cannot use, instead of showing buttons that answer 403."""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import as_role
from tests.support.dash_requests import router_request


def _layout(client, role: str, pathname: str, search: str = "") -> str:
    """The page layout Dash's router returns for this role, as JSON text."""
    body = router_request(pathname, search)
    reply = client.post("/_dash-update-component", json=body, **as_role(role))
    assert reply.status_code == 200
    return json.dumps(reply.get_json())


def _component(layout: str, component_id: str) -> dict:
    def find(node):
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("id") == component_id:
                return props
            for value in node.values():
                found = find(value)
                if found is not None:
                    return found
        elif isinstance(node, list):
            for value in node:
                found = find(value)
                if found is not None:
                    return found
        return None

    found = find(json.loads(layout))
    assert found is not None, component_id
    return found


def _model_detail(client, role: str) -> str:
    body = {
        "output": "models-detail.children",
        "outputs": {"id": "models-detail", "property": "children"},
        "inputs": [{"id": "models-select", "property": "value", "value": "churn"}],
        "state": [],
        "changedPropIds": ["models-select.value"],
    }
    reply = client.post("/_dash-update-component", json=body, **as_role(role))
    assert reply.status_code == 200
    return json.dumps(reply.get_json())


@pytest.mark.parametrize(("path", "link"), [("/overview", "overview-export"), ("/drift", "drift-export")])
def test_hid001_download_links_show_only_to_roles_that_may_download(header_app, path, link) -> None:
    client = header_app.server.test_client()
    search = "?model=churn"
    assert _component(_layout(client, "viewer", path, search), link).get("hidden") is True
    assert not _component(_layout(client, "analyst", path, search), link).get("hidden")
    refused = client.get("/export/overview.csv?model=churn", **as_role("viewer"))
    assert refused.status_code == 403, "hidden, and still refused if someone finds the address"


def test_hid002_model_table_downloads_follow_the_role_too(header_app) -> None:
    client = header_app.server.test_client()
    for link in ("models-versions-csv", "models-schema-csv"):
        assert _component(_model_detail(client, "viewer"), link).get("hidden") is True
        assert not _component(_model_detail(client, "analyst"), link).get("hidden")


def test_hid003_only_admins_see_the_promote_controls(header_app) -> None:
    client = header_app.server.test_client()
    for role, admin in (("viewer", False), ("analyst", False), ("admin", True)):
        layout = _layout(client, role, "/compare", "?model=churn")
        assert (_component(layout, "compare-actions").get("style") is None) is admin
        assert bool(_component(layout, "compare-actions-note").get("hidden")) is admin
