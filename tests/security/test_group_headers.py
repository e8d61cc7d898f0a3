"""The groups header has one exact format, and an identity header sent twice is refused, not merged."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from portal.web.gunicorn_hooks import mark_repeated_headers
from portal.web.requests import REPEATED_HEADERS_FLAG
from tests.conftest import base_env
from tests.security.conftest import GROUPS, HEADER_ENV, PROXY
from tests.support.servers import start_gunicorn


def _as(groups: str) -> dict:
    return {
        "headers": {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": groups},
        "environ_base": {"REMOTE_ADDR": PROXY},
    }


@pytest.mark.parametrize(
    ("groups", "status"),
    [
        (f"{GROUPS['viewer']};{GROUPS['admin']}", 403),  # one group named "staff;portal-admins": no role
        (f"{GROUPS['viewer']}|{GROUPS['admin']}", 403),
        (f"{GROUPS['viewer']} {GROUPS['admin']}", 403),
        (f" {GROUPS['admin']} ,  ", 200),  # names are trimmed, blanks dropped
    ],
)
def test_grp001_only_commas_separate_groups(header_app, groups, status) -> None:
    reply = header_app.server.test_client().get("/admin/tokens", **_as(groups))
    assert reply.status_code == status
    if status == 403:
        assert "none of your groups has a portal role" in reply.get_data(as_text=True)


def test_grp002_comma_separated_groups_grant_the_highest_role(header_app) -> None:
    client = header_app.server.test_client()
    assert client.get("/admin/tokens", **_as(f"{GROUPS['viewer']}, {GROUPS['admin']}")).status_code == 200
    assert client.get("/admin/tokens", **_as(GROUPS["viewer"])).status_code == 403


def test_grp003_the_hook_flags_repeated_identity_headers_and_drops_forged_flags() -> None:
    headers = [
        ("HOST", "portal"),
        ("X-FORWARDED-GROUPS", "staff"),
        (REPEATED_HEADERS_FLAG.upper(), "forged"),
        ("X-FORWARDED-GROUPS", "portal-admins"),
        ("ACCEPT", "a"),
        ("ACCEPT", "b"),
    ]
    mark_repeated_headers(headers, ("X-Forwarded-User", "X-Forwarded-Groups"))
    assert (REPEATED_HEADERS_FLAG.upper(), "forged") not in headers
    assert headers[-1] == (REPEATED_HEADERS_FLAG.upper(), "X-FORWARDED-GROUPS")
    single = [("X-FORWARDED-USER", "alice"), (REPEATED_HEADERS_FLAG.upper(), "forged")]
    mark_repeated_headers(single, ("X-Forwarded-User", "X-Forwarded-Groups"))
    assert single == [("X-FORWARDED-USER", "alice")]


@pytest.mark.gunicorn
def test_grp004_gunicorn_refuses_a_groups_header_sent_twice(data_dir) -> None:
    env = base_env(
        data_dir, **{**HEADER_ENV, "PORTAL_TRUSTED_PROXIES": "127.0.0.1/32", "PORTAL_WORKERS": "1"}
    )
    server = start_gunicorn(env)
    try:
        parts = urlsplit(server.url)

        def get(lines: list[tuple[str, str]]) -> tuple[int, str]:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.putrequest("GET", "/api/v1/models")
            for name, value in lines:
                connection.putheader(name, value)
            connection.putheader("Accept", "application/json")
            connection.endheaders()
            response = connection.getresponse()
            body = response.read().decode()
            connection.close()
            return response.status, body

        user = ("X-Forwarded-User", "mallory")
        status, body = get(
            [user, ("X-Forwarded-Groups", GROUPS["viewer"]), ("X-Forwarded-Groups", GROUPS["admin"])]
        )
        assert status == 400
        assert "sent X-Forwarded-Groups more than once" in body
        status, _ = get([user, user, ("X-Forwarded-Groups", GROUPS["viewer"])])
        assert status == 400
        status, _ = get(
            [user, ("X-Forwarded-Groups", GROUPS["viewer"]), (REPEATED_HEADERS_FLAG, "X-Forwarded-Groups")]
        )
        assert status == 200, "a flag the client forged is dropped"
    finally:
        server.stop()
