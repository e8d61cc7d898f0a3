"""/api/v1/reports: the same roles as the Reports page, the store's checks, and the OpenAPI document."""

from __future__ import annotations

import pytest
import yaml

from portal.api.openapi import openapi_document
from portal.security import audit
from tests.security.conftest import HEADER_ENV, as_role

SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
BODY = {
    "title": "Churn weekly",
    "page": "/overview?model=churn&segment=region",
    "schedule": {"kind": "weekly", "day": "mon", "time": "07:00"},
    "timezone": "Europe/Berlin",
    "deliveries": [{"kind": "email", "to": ["ana@example.com"]}],
}


@pytest.fixture()
def reports_app(make_settings, data_dir):
    from portal.app import create_app

    file = data_dir / "reports.yaml"
    file.write_text(yaml.safe_dump({"reports": [{"name": "from-file", "pages": ["/models"]}]}))
    return create_app(make_settings(**HEADER_ENV, PORTAL_REPORTS_FILE=str(file)))


def call(app, method: str, url: str, role: str, user: str = "", **kwargs):
    identity = as_role(role, user)
    client = app.server.test_client()
    return client.open(
        url,
        method=method,
        headers={**SAME_ORIGIN, **identity["headers"]},
        environ_base=identity["environ_base"],
        **kwargs,
    )


def test_rapi001_create_list_show_history_delete_with_the_pages_roles(reports_app) -> None:
    created = call(reports_app, "POST", "/api/v1/reports", "analyst", "ana@example.com", json=BODY)
    assert created.status_code == 201, created.get_json()
    report = created.get_json()
    assert (report["name"], report["origin"], report["role"], report["schedule"]["cron"]) == (
        "churn-weekly",
        "database",
        "analyst",
        "0 7 * * mon",
    )
    assert report["next_run_at"] and report["owner"] == "ana@example.com"

    mine = call(reports_app, "GET", "/api/v1/reports", "analyst", "ana@example.com").get_json()["reports"]
    assert [r["name"] for r in mine] == ["churn-weekly"], "file reports are for admins"
    admin = call(reports_app, "GET", "/api/v1/reports", "admin", "root@example.com").get_json()["reports"]
    assert {(r["name"], r["origin"], r["read_only"]) for r in admin} == {
        ("churn-weekly", "database", False),
        ("from-file", "file", True),
    }
    others = call(reports_app, "GET", "/api/v1/reports", "analyst", "bo@example.com").get_json()["reports"]
    assert others == []
    assert (
        call(reports_app, "GET", "/api/v1/reports/churn-weekly", "analyst", "bo@example.com").status_code
        == 404
    )
    assert (
        call(reports_app, "GET", "/api/v1/reports/from-file", "analyst", "ana@example.com").status_code == 404
    )
    runs = call(reports_app, "GET", "/api/v1/reports/churn-weekly/runs", "analyst", "ana@example.com")
    assert runs.status_code == 200 and runs.get_json() == {"runs": []}
    assert call(reports_app, "GET", "/api/v1/reports/churn-weekly/runs?limit=0", "admin").status_code == 400
    assert (
        call(reports_app, "POST", "/api/v1/reports/churn-weekly/run", "analyst", "bo@example.com").status_code
        == 404
    )
    assert call(reports_app, "DELETE", "/api/v1/reports/from-file", "admin").status_code == 409
    assert (
        call(reports_app, "DELETE", "/api/v1/reports/churn-weekly", "analyst", "bo@example.com").status_code
        == 404
    )
    assert call(reports_app, "DELETE", "/api/v1/reports/churn-weekly", "admin").status_code == 204
    assert call(reports_app, "GET", "/api/v1/reports/churn-weekly", "admin").status_code == 404
    engine = reports_app.server.extensions["portal.services"].engine
    actions = [(e.action, e.actor) for e in audit.recent(engine)[:2]]
    assert actions == [
        ("report.subscription.delete", "admin-user"),
        ("report.subscription.create", "ana@example.com"),
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"schedule": {"kind": "cron", "cron": "0 25 * * *"}}, "cron", "is not a valid cron expression"),
        ({"timezone": "Atlantis/Capital"}, "timezone", "unknown time zone 'Atlantis/Capital'"),
        (
            {"deliveries": [{"kind": "email", "to": "ana@"}]},
            "deliveries[0]",
            "'ana@' is not an email address",
        ),
        (
            {"deliveries": [{"kind": "webhook", "url": "gopher://hooks.example.com"}]},
            "deliveries[0]",
            "must be an http:// or https:// URL",
        ),
        ({"page": "/nowhere"}, "page", "no portal page at '/nowhere'"),
        ({"page": "/admin/audit"}, "page", "/admin/audit is an admin page"),
    ],
)
def test_rapi002_each_bad_input_class_is_a_422_naming_the_field_and_saves_nothing(
    reports_app, change, field, message
) -> None:
    reply = call(reports_app, "POST", "/api/v1/reports", "admin", json={**BODY, **change})
    assert reply.status_code == 422
    details = reply.get_json()["error"]["details"]
    assert any(d["field"] == field and message in d["message"] for d in details), details
    assert call(reports_app, "GET", "/api/v1/reports", "admin").get_json()["reports"][0]["origin"] == "file"


def test_rapi003_a_viewer_subscribes_only_themselves_to_viewer_pages(reports_app) -> None:
    body = {**BODY, "page": "/what-if", "deliveries": [{"kind": "email", "to": "vera@example.com"}]}
    reply = call(reports_app, "POST", "/api/v1/reports", "viewer", "vera@example.com", json=body)
    assert (
        reply.status_code == 422
        and "/what-if needs the analyst role; you are viewer" in reply.get_json()["error"]["message"]
    )
    body = {**BODY, "deliveries": [{"kind": "email", "to": "boss@example.com"}]}
    reply = call(reports_app, "POST", "/api/v1/reports", "viewer", "vera@example.com", json=body)
    assert (
        reply.status_code == 422
        and "boss@example.com: viewers may subscribe only themselves" in reply.get_data(as_text=True)
    )
    body = {**BODY, "deliveries": [{"kind": "email", "to": "vera@example.com"}]}
    reply = call(reports_app, "POST", "/api/v1/reports", "viewer", "vera@example.com", json=body)
    assert reply.status_code == 201 and reply.get_json()["role"] == "viewer"
    assert call(reports_app, "POST", "/api/v1/reports", None, json=body).status_code == 401


def test_rapi004_the_reports_paths_are_documented() -> None:
    paths = openapi_document()["paths"]
    assert set(paths["/reports"]) == {"get", "post"}
    assert set(paths["/reports/{name}"]) == {"get", "delete"}
    assert "post" in paths["/reports/{name}/run"] and "get" in paths["/reports/{name}/runs"]
    assert "422" in paths["/reports"]["post"]["responses"]
