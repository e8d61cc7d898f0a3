"""/api/v1/alert-rules: viewers list the file's rules and those made from pages, with their source."""

from __future__ import annotations

from portal.alerts import rule_store
from portal.alerts.rule_store import Editor
from portal.security.roles import Role
from tests.security.conftest import as_role, header_app  # noqa: F401 (fixture)


def test_arapi001_viewers_list_page_rules_paused_included(header_app) -> None:  # noqa: F811
    services = header_app.server.extensions["portal.services"]
    raw = {
        "title": "Plan drifts",
        "model": "churn",
        "feature_drift": "plan",
        "deliver": [{"webhook": "https://hooks.example.com/x"}],
    }
    ana = Editor("ana", Role.ANALYST)
    rule_store.save(services.settings, services.engine, services.registry, raw, ana)
    rule_store.set_paused(services.settings, services.engine, "plan-drifts", True, ana)
    client = header_app.server.test_client()
    [rule] = client.get("/api/v1/alert-rules?model=churn", **as_role("viewer")).get_json()["rules"]
    assert (rule["name"], rule["source"], rule["feature_drift"], rule["paused"], rule["owner"]) == (
        "plan-drifts",
        "page",
        "plan",
        True,
        "ana",
    )
    assert rule["watches"] == ["plan drifting"] and rule["deliveries"] == ["json webhook hooks.example.com"]
    assert client.get("/api/v1/alert-rules?model=revenue", **as_role("viewer")).get_json() == {"rules": []}
    assert len(client.get("/api/v1/alert-rules", **as_role("viewer")).get_json()["rules"]) == 1
    bad = client.get("/api/v1/alert-rules?colour=red", **as_role("viewer"))
    assert bad.status_code == 400 and "expected model" in bad.get_json()["error"]["message"]
    assert client.get("/api/v1/alert-rules", **as_role(None)).status_code == 401
    paths = client.get("/api/v1/openapi.json", **as_role("viewer")).get_json()["paths"]
    assert "(viewer)" in paths["/alert-rules"]["get"]["summary"]
