"""The application factory, health endpoints, error pages and request ids, in-process."""

from __future__ import annotations

import json
import logging

import pytest

from layouts import PAGES
from portal.app import create_app
from portal.log import JsonFormatter


def callback_outputs(app) -> set[str]:
    return set(app.callback_map)


def test_fac001_two_apps_in_one_process_both_have_all_callbacks(make_settings) -> None:
    first = create_app(make_settings())
    second = create_app(make_settings(PORTAL_TITLE="Second"))
    # Serve one request on the first app: Dash empties its global callback list on first use.
    assert first.server.test_client().get("/_dash-dependencies").status_code == 200
    deps_first = first.server.test_client().get("/_dash-dependencies").get_json()
    deps_second = second.server.test_client().get("/_dash-dependencies").get_json()
    outputs_first = {d["output"] for d in deps_first}
    outputs_second = {d["output"] for d in deps_second}
    assert outputs_first == outputs_second
    assert {"home-status.children", "models-detail.children"} <= outputs_first
    assert callback_outputs(first) == callback_outputs(second)


def test_fac002_config_is_read_from_the_environment(make_settings) -> None:
    app = create_app(make_settings(PORTAL_TITLE="Churn desk"))
    html = app.server.test_client().get("/").get_data(as_text=True)
    assert "<title>Churn desk</title>" in html or "Churn desk" in html
    assert app.server.config["SECRET_KEY"]


def test_fac003_env_style_mapping_overrides(data_dir) -> None:
    app = create_app({"PORTAL_DATA_DIR": str(data_dir), "PORTAL_TITLE": "From mapping"})
    layout = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "From mapping" in layout


def _hrefs(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("href"), str):
            found.add(node["href"])
        for value in node.values():
            found |= _hrefs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _hrefs(value)
    return found


def test_fac004_every_page_is_registered_and_in_the_navbar(client) -> None:
    links = _hrefs(client.get("/_dash-layout").get_json())
    for page in PAGES:
        assert client.get(page.path).status_code == 200
        assert page.path in links


def test_fac005_unknown_path_is_a_404_inside_the_shell(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "_dash-renderer" in response.get_data(as_text=True) or "dash" in response.get_data(as_text=True)


def test_fac006_health_and_readiness(client) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    body = ready.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["models"]["detail"]["churn"]["status"] == "loaded"


def test_fac007_readiness_names_the_database_when_it_is_down(make_settings) -> None:
    app = create_app(make_settings(PORTAL_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["database"]


def test_fac008_readiness_without_models_says_what_to_run(tmp_path) -> None:
    app = create_app({"PORTAL_DATA_DIR": str(tmp_path / "empty")})
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["database", "models"]
    assert "portal demo" in body["checks"]["models"]["detail"]["error"]
    assert "portal db upgrade" in body["checks"]["database"]["detail"]


def test_fac009_request_id_is_carried_or_created(client) -> None:
    carried = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert carried.headers["X-Request-ID"] == "abc-123"
    created = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert created.headers["X-Request-ID"] != "bad id with spaces"
    assert len(created.headers["X-Request-ID"]) == 32


def test_fac010_log_lines_are_json_with_the_request_id(app, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="portal.access")
    app.server.test_client().get("/healthz", headers={"X-Request-ID": "req-42"})
    record = next(r for r in caplog.records if r.name == "portal.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["path"] == "/healthz"
    assert line["status"] == 200


def test_fac011_a_crash_is_a_friendly_500_without_traceback(app) -> None:
    from portal.security.policy import Kind, RoutePolicy, declare
    from portal.security.roles import Role

    @app.server.get("/boom-test")
    def boom():
        raise RuntimeError("secret internals")

    declare(app.server, "boom", RoutePolicy(Kind.ROLE, Role.VIEWER))

    response = app.server.test_client().get("/boom-test")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internals" not in text
    assert "Something went wrong" in text
    api = app.server.test_client().get("/boom-test", headers={"Accept": "application/json"})
    assert api.get_json()["error"]["status"] == 500


def test_fac012_theme_is_served_locally_without_remote_imports(client) -> None:
    css = client.get("/vendor/theme.css")
    assert css.status_code == 200
    assert b"fonts.googleapis" not in css.data
    layout_html = client.get("/").get_data(as_text=True)
    assert "cdn.jsdelivr" not in layout_html
