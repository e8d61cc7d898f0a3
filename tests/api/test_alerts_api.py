"""/api/v1/alerts: viewers list, analysts acknowledge and silence, bad input is named and changes nothing."""

from __future__ import annotations

import pytest

from portal.alerts import store
from portal.security import audit
from tests.security.conftest import as_role, header_app  # noqa: F401 (fixture)


def engine_of(app):
    return app.server.extensions["portal.services"].engine


def raise_one(app) -> store.Alert:
    return store.create(
        engine_of(app),
        "churn-drift",
        "dataset_drift",
        ("churn", 1),
        "Dataset drift",
        {},
        "/drift",
        store.now(),
    )


def test_aapi001_viewer_lists_analyst_acknowledges_and_silences(header_app) -> None:  # noqa: F811
    alert = raise_one(header_app)
    client = header_app.server.test_client()
    listed = client.get("/api/v1/alerts?status=open&model=churn", **as_role("viewer"))
    assert listed.status_code == 200
    [row] = listed.get_json()["alerts"]
    assert (row["id"], row["page"], row["acknowledged"], row["silenced"]) == (alert.id, "/drift", None, None)
    refused = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", json={}, **as_role("viewer"))
    assert refused.status_code == 403
    done = client.post(
        f"/api/v1/alerts/{alert.id}/acknowledge", json={"comment": "on it"}, **as_role("analyst", "ana")
    )
    assert done.status_code == 200 and done.get_json()["acknowledged"]["by"] == "ana"
    assert done.get_json()["acknowledged"]["comment"] == "on it"
    quiet = client.post(
        f"/api/v1/alerts/{alert.id}/silence",
        json={"duration": "1d", "comment": "deploy"},
        **as_role("analyst", "ana"),
    )
    body = quiet.get_json()
    assert quiet.status_code == 200 and body["silenced"]["by"] == "ana"
    assert body["held"].startswith("silenced until ") and body["held"].endswith(" UTC by ana: deploy")
    assert [e.action for e in audit.recent(engine_of(header_app))] == ["alert.silence", "alert.acknowledge"]
    assert client.get("/api/v1/alerts?status=resolved", **as_role("viewer")).get_json() == {"alerts": []}


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/alerts/999/acknowledge", {}, 404, "no alert with id 999"),
        ("/alerts/abc/silence", {"duration": "1h"}, 404, "no alert with id 'abc'"),
        ("/alerts/{id}/acknowledge", {"comment": "x" * 501}, 422, "comment: at most 500 characters, not 501"),
        ("/alerts/{id}/silence", {"duration": "forever"}, 422, "duration: expected a number and a unit"),
        ("/alerts/{id}/silence", {"duration": "45d"}, 422, "duration: from 1m to 30d, not 45d"),
        ("/alerts/{id}/silence", {}, 400, '"duration" is required'),
        ("/alerts/{id}/acknowledge", {"who": "me"}, 400, "unknown field(s): who"),
    ],
)
def test_aapi002_bad_input_is_named_and_nothing_saved(header_app, path, body, status, message) -> None:  # noqa: F811
    alert = raise_one(header_app)
    client = header_app.server.test_client()
    reply = client.post("/api/v1" + path.format(id=alert.id), json=body, **as_role("analyst"))
    assert reply.status_code == status
    assert reply.get_json()["error"]["message"].startswith(message)
    assert store.get(engine_of(header_app), alert.id) == alert and audit.recent(engine_of(header_app)) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=closed", "status: expected open or resolved, not 'closed'"),
        ("limit=0", "limit: expected"),
        ("sort=id", "unknown parameter(s): sort"),
    ],
)
def test_aapi003_bad_list_filters_are_400(header_app, query, message) -> None:  # noqa: F811
    reply = header_app.server.test_client().get(f"/api/v1/alerts?{query}", **as_role("viewer"))
    assert reply.status_code == 400 and reply.get_json()["error"]["message"].startswith(message)


def test_aapi004_the_openapi_document_lists_the_alert_operations(header_app) -> None:  # noqa: F811
    paths = (
        header_app.server.test_client().get("/api/v1/openapi.json", **as_role("viewer")).get_json()["paths"]
    )
    assert set(paths["/alerts"]) == {"get"}
    assert "(analyst)" in paths["/alerts/{alert_id}/silence"]["post"]["summary"]
    assert "404" in paths["/alerts/{alert_id}/acknowledge"]["post"]["responses"]
