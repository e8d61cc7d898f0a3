"""An embed link's pinned query values bind the page's callbacks, not only its layout.

Without this, a frame pinned to ``model=churn`` could POST the Overview callbacks with
``model=revenue`` and read another model's cards and grid rows.
"""

from __future__ import annotations

import pytest

from portal.embed import tokens as embed_tokens
from portal.security.gate import CALLBACK_POLICIES_KEY
from portal.security.policy import page_role
from portal.security.roles import Role
from portal.web import url_controls
from tests.security.conftest import HEADER_ENV
from tests.support.dash_requests import outputs_of

SECRET = HEADER_ENV["PORTAL_SECRET_KEY"]
PINNED, OTHER = "pinned-value", "other-value"


@pytest.fixture(scope="module")
def header_embed_app(tmp_path_factory, demo_models_dir):
    """Header sign-in with no trusted proxy for the test client: only the embed link identifies it."""
    import shutil

    from portal.app import create_app
    from portal.config import load_settings
    from tests.conftest import base_env

    data_dir = tmp_path_factory.mktemp("pinned") / "var"
    shutil.copytree(demo_models_dir, data_dir)
    app = create_app(load_settings(base_env(data_dir, **HEADER_ENV)))
    yield app
    app.server.extensions["portal.services"].prediction_log.stop()


def pinned_cases(app) -> list[tuple[str, str, str, str]]:
    """(page, callback output, control id, query parameter) for every control of every embeddable page."""
    policies = app.server.extensions[CALLBACK_POLICIES_KEY]
    pages = app.server.extensions["portal.services"].pages.paths
    controls = url_controls.parameters_of(app.server, _all_parameters(app))
    cases = []
    for output, policy in policies.items():
        if policy is None or policy.page not in pages:
            continue
        page_level = page_role(policy.page) or Role.ADMIN
        if page_level >= Role.ADMIN or policy.role > page_level:
            continue  # never open to an embed link at all
        entry = app.callback_map[output]
        for item in (*entry["inputs"], *entry["state"]):
            if isinstance(item["id"], str) and item["id"] in controls and item["property"] == "value":
                cases.append((policy.page, output, item["id"], controls[item["id"]]))
    return cases


def _all_parameters(app) -> list[str]:
    return list(app.server.extensions.get(url_controls.EXTENSION_KEY, {}))


def _body(app, output: str, control: str, value: object) -> dict:
    entry = app.callback_map[output]

    def values(items: list[dict]) -> list[dict]:
        return [
            {"id": i["id"], "property": i["property"], "value": value if i["id"] == control else None}
            for i in items
        ]

    return {
        "output": output,
        "outputs": outputs_of(output),
        "inputs": values(entry["inputs"]),
        "state": values(entry["state"]),
        "changedPropIds": [f"{control}.value"],
    }


def test_pin001_every_pinned_control_of_every_embeddable_page_is_bound(header_embed_app) -> None:
    client = header_embed_app.server.test_client()
    cases = pinned_cases(header_embed_app)
    pages = {page for page, *_ in cases}
    assert {"/overview", "/performance", "/drift", "/what-if", "/compare", "/models", "/feedback"} <= pages
    for page, output, control, parameter in cases:
        token = embed_tokens.issue(SECRET, page, 600, {parameter: PINNED})
        headers = {"X-Portal-Embed-Token": token}
        moved = client.post(
            "/_dash-update-component", json=_body(header_embed_app, output, control, OTHER), headers=headers
        )
        assert moved.status_code == 403, (page, output, control)
        assert f"only allows {parameter}={PINNED}" in moved.get_json()["error"]["message"]
        kept = client.post(
            "/_dash-update-component", json=_body(header_embed_app, output, control, PINNED), headers=headers
        )
        assert kept.status_code != 403, (page, output, control, kept.get_data(as_text=True)[:300])
        assert kept.status_code < 500, (page, output, control)


def test_pin002_the_overview_probe_is_refused_through_the_header_and_the_referer(header_embed_app) -> None:
    """The probe that found the hole: churn's link asking for revenue's cards, charts and grid rows."""
    client = header_embed_app.server.test_client()
    token = embed_tokens.issue(SECRET, "/overview", 3600, {"model": "churn"})
    referer = {"Referer": f"http://localhost/embed/overview?model=churn&token={token}"}
    for headers in ({"X-Portal-Embed-Token": token}, referer):
        for output, entry in header_embed_app.callback_map.items():
            names = [i["id"] for i in (*entry["inputs"], *entry["state"])]
            if "overview-model" not in names or "callback" not in entry:
                continue  # clientside callbacks never reach the server
            revenue = client.post(
                "/_dash-update-component",
                json=_body(header_embed_app, output, "overview-model", "revenue"),
                headers=headers,
            )
            assert revenue.status_code == 403, output
            churn = client.post(
                "/_dash-update-component",
                json=_body(header_embed_app, output, "overview-model", "churn"),
                headers=headers,
            )
            assert churn.status_code != 403, output
            assert churn.status_code < 500, output


def test_pin003_numbers_and_lists_compare_as_the_url_spells_them() -> None:
    assert url_controls.same_value(0.4, "0.40")
    assert url_controls.same_value(2, "2")
    assert url_controls.same_value(["a", "b"], "a,b")
    assert url_controls.same_value(True, "true")
    assert not url_controls.same_value(None, "churn")
    assert not url_controls.same_value("", "churn")
    assert not url_controls.same_value("revenue", "churn")
    assert not url_controls.same_value("churn ", "churn")
