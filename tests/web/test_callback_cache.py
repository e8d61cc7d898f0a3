"""The Models page's sample prediction answered from memory: the same bytes, never stale, never unchecked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from layouts import model_catalog
from portal.services import SERVICES_KEY
from portal.web.callback_cache import EXTENSION_KEY, CallbackCache
from tests.security.conftest import HEADER_ENV, as_role

URL = "/_dash-update-component"
SAME_ORIGIN = {"Origin": "http://localhost"}


def sample_request(model: object = "churn", row: object = 3) -> dict:
    return {
        "output": "models-sample-result.children",
        "outputs": {"id": "models-sample-result", "property": "children"},
        "inputs": [
            {"id": "models-select", "property": "value", "value": model},
            {"id": "models-sample-row", "property": "value", "value": row},
        ],
        "changedPropIds": ["models-sample-row.value"],
        "state": [],
    }


@pytest.fixture()
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Each time the callback really computes its answer: (model, row)."""
    seen: list[tuple] = []
    real = model_catalog.keyed_sample_prediction

    def counted(services, name, row):
        seen.append((name, row))
        return real(services, name, row)

    monkeypatch.setattr(model_catalog, "keyed_sample_prediction", counted)
    return seen


def _second_version(data_dir: Path) -> None:
    """A version 2 of churn (a copy of version 1), not active yet."""
    shutil.copytree(data_dir / "models" / "churn" / "1", data_dir / "models" / "churn" / "2")


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_ccc001_a_repeat_is_answered_with_the_same_bytes_without_running_the_callback(client, runs) -> None:
    first = client.post(URL, json=sample_request())
    second = client.post(URL, json=sample_request())
    assert "v1 predicts" in _text(first)
    assert second.get_data() == first.get_data()
    assert second.headers["Content-Type"] == first.headers["Content-Type"] == "application/json"
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert runs == [("churn", 3)], "the repeat did not run the callback"


def test_ccc002_each_model_and_row_gets_its_own_answer_as_dash_encodes_it(app, client, runs) -> None:
    from dash._utils import to_json

    services = app.server.extensions[SERVICES_KEY]
    cases = [("churn", 3), ("churn", 40), ("revenue", 3)]
    for _ in range(2):
        for model, row in cases:
            shown, _key = model_catalog.keyed_sample_prediction(services, model, row)
            expected = to_json({"multi": True, "response": {"models-sample-result": {"children": shown}}})
            assert _text(client.post(URL, json=sample_request(model, row))) == expected
    # The direct calls above are counted too (6), plus one callback run per (model, row): 3.
    assert len(runs) == 6 + 3


def test_ccc003_a_promotion_is_seen_by_the_next_request_and_a_rollback_too(
    app, client, data_dir, runs
) -> None:
    registry = app.server.extensions[SERVICES_KEY].registry
    assert "v1 predicts" in _text(client.post(URL, json=sample_request()))
    _second_version(data_dir)
    registry.promote("churn", 2)
    assert "v2 predicts" in _text(client.post(URL, json=sample_request()))
    registry.promote("churn", 1)
    assert "v1 predicts" in _text(client.post(URL, json=sample_request()))
    assert len(runs) == 2, "v1's answer was still right for v1; v2's was computed once"


def test_ccc004_an_answer_is_kept_under_the_version_it_was_computed_from(
    app, client, data_dir, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A promotion landing between the cache's key read and the callback's own read files nothing wrong."""
    registry = app.server.extensions[SERVICES_KEY].registry
    _second_version(data_dir)
    real_get = registry.get
    promoted: list[int] = []

    def promote_meanwhile(name, version=None):
        if not promoted:
            promoted.append(2)
            registry.promote("churn", 2)
        return real_get(name, version)

    monkeypatch.setattr(registry, "get", promote_meanwhile)
    assert "v2 predicts" in _text(client.post(URL, json=sample_request())), "the key read v1, the callback v2"
    registry.promote("churn", 1)
    assert "v1 predicts" in _text(client.post(URL, json=sample_request()))
    registry.promote("churn", 2)
    assert "v2 predicts" in _text(client.post(URL, json=sample_request()))


def test_ccc005_refusals_are_computed_every_time(client, runs) -> None:
    for _ in range(2):
        assert "cannot be used" in _text(client.post(URL, json=sample_request("nosuchmodel")))
        assert "choose 0 to" in _text(client.post(URL, json=sample_request("churn", 10**9)))
        assert "cannot be used" in _text(client.post(URL, json=sample_request("")))
    assert len(runs) == 6


def test_ccc006_the_answer_follows_the_requested_outputs(client) -> None:
    """Dash names the answer after the body's ``outputs``: a body naming others never gets a kept answer."""
    _text(client.post(URL, json=sample_request()))
    odd = {**sample_request(), "outputs": {"id": "models-detail", "property": "children"}}
    answer = client.post(URL, json=odd)
    # The Dash guard refuses outputs that do not match the callback before the cache is asked.
    assert answer.status_code == 400 and b"predicts" not in answer.get_data()
    assert "other than models-sample-result.children" in answer.get_json()["error"]["message"]


def test_ccc007_sign_in_is_checked_before_a_kept_answer_is_served(make_settings) -> None:
    from portal.app import create_app

    app = create_app(make_settings(**HEADER_ENV))
    client = app.server.test_client()
    viewer = as_role("viewer")
    allowed = client.post(
        URL,
        json=sample_request(),
        headers={**SAME_ORIGIN, **viewer["headers"]},
        environ_base=viewer["environ_base"],
    )
    assert "v1 predicts" in _text(allowed)
    nobody = client.post(URL, json=sample_request(), headers=SAME_ORIGIN, environ_base=viewer["environ_base"])
    assert nobody.status_code == 401 and b"predicts" not in nobody.get_data()
    no_role = client.post(
        URL,
        json=sample_request(),
        headers={**SAME_ORIGIN, "X-Forwarded-User": "eve", "X-Forwarded-Groups": "everyone"},
        environ_base=viewer["environ_base"],
    )
    assert no_role.status_code == 403 and b"predicts" not in no_role.get_data()
    cross_site = client.post(
        URL,
        json=sample_request(),
        headers={"Origin": "https://evil.example", **viewer["headers"]},
        environ_base=viewer["environ_base"],
    )
    assert cross_site.status_code == 403 and b"predicts" not in cross_site.get_data()
    app.server.extensions[SERVICES_KEY].prediction_log.stop()


def test_ccc008_malformed_bodies_still_get_the_guards_400(client) -> None:
    _text(client.post(URL, json=sample_request()))
    short = {**sample_request(), "inputs": sample_request()["inputs"][:1]}
    response = client.post(URL, json=short)
    assert (
        response.status_code == 400 and "carries 1 inputs values" in response.get_json()["error"]["message"]
    )


def test_ccc009_memory_is_bounded_oldest_first(app) -> None:
    cache = CallbackCache(max_entries=2)
    for key in ("a", "b"):
        cache.put(key, key.encode())
    assert cache.get("a") == b"a"  # a is now the most recently used
    cache.put("c", b"c")
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (b"a", None, b"c", 2)
    assert isinstance(app.server.extensions[EXTENSION_KEY], CallbackCache)
