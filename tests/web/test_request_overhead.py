"""Per-request work the portal does once instead: the same answers as Flask's own, asked for less often."""

from __future__ import annotations

import logging

import flask.app
from flask import session

from portal.security.policy import Kind, route_policy
from portal.web.server import MAX_REMEMBERED, PortalFlask


def test_rqo001_flask_asks_about_each_hook_once_not_per_request(app, client, monkeypatch) -> None:
    asked: list[object] = []
    real = flask.app.iscoroutinefunction

    def counting(func):
        asked.append(func)
        return real(func)

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)
    assert client.get("/healthz").status_code == 200
    first = len(asked)
    assert first > 0
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert len(asked) == first, "the repeats asked nothing new"


def test_rqo002_the_memo_is_bounded_and_async_views_get_flasks_answer() -> None:
    server = PortalFlask("t")
    for index in range(MAX_REMEMBERED + 10):
        server.ensure_sync(lambda index=index: index)
    assert len(server._sync_forms) == MAX_REMEMBERED

    @server.get("/a")
    async def answer() -> str:
        return "from a coroutine"

    try:
        import asgiref  # noqa: F401
    except ImportError:  # Flask refuses async views without it, and says why, every time
        for _ in range(2):
            assert server.test_client().get("/a").status_code == 500
        return
    assert server.test_client().get("/a").get_data(as_text=True) == "from a coroutine"


def test_rqo003_the_session_follows_a_rotated_secret_key(app) -> None:
    server = app.server

    @server.get("/_test/session/<value>")
    def put(value: str) -> str:
        session["v"] = value
        return "ok"

    @server.get("/_test/session")
    def read() -> str:
        return str(session.get("v"))

    from portal.security.policy import RoutePolicy, declare

    for endpoint in ("put", "read"):
        declare(server, endpoint, RoutePolicy(Kind.PUBLIC))
    client = server.test_client()
    assert client.get("/_test/session/first").status_code == 200
    assert client.get("/_test/session").get_data(as_text=True) == "first"
    old = server.secret_key
    server.secret_key = "n" * 40
    assert client.get("/_test/session").get_data(as_text=True) == "None", "an old key's cookie is not trusted"
    server.config["SECRET_KEY_FALLBACKS"] = [old]
    assert client.get("/_test/session").get_data(as_text=True) == "first", "unless it is a fallback"


def test_rqo004_route_policies_are_the_tables_answer_every_time() -> None:
    first = route_policy("/_dash-update-component")
    assert first is not None and first.kind is Kind.CALLBACK
    assert route_policy("/_dash-update-component") is first
    assert route_policy("no.such.endpoint") is None
    assert route_policy("no.such.endpoint", {"no.such.endpoint": first}) is first


def test_rqo005_access_lines_are_still_written_at_info(app, client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="portal.access"):
        client.get("/healthz")
    lines = [r for r in caplog.records if r.name == "portal.access"]
    assert len(lines) == 1 and lines[0].path == "/healthz" and lines[0].status == 200
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="portal.access"):
        client.get("/healthz")
    assert not [r for r in caplog.records if r.name == "portal.access"]
