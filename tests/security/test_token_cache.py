"""Kept API tokens: no lookup per request, yet a revocation is refused by the next request everywhere."""

from __future__ import annotations

import datetime as dt
import os
import time

import sqlalchemy as sa

from portal.app import create_app
from portal.cli import main
from portal.security import api_tokens, token_cache
from portal.security.roles import Role
from portal.security.token_cache import TokenCache
from tests.security.conftest import HEADER_ENV
from tests.security.test_tokens import _bearer, _create, cli_env  # noqa: F401 (a fixture)


def _token_lookups(engine: sa.Engine) -> list[str]:
    """Every statement that reads the tokens table, as it runs."""
    seen: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args) -> None:
        if "FROM api_tokens" in statement:
            seen.append(statement)

    return seen


def test_tkc001_two_workers_keep_the_token_and_both_refuse_it_right_after_revoking(
    cli_env, make_settings, capsys  # noqa: F811
) -> None:
    secret = _create(capsys, "dashboards", "--role", "viewer")
    workers = [create_app(make_settings(**HEADER_ENV)) for _ in range(2)]
    clients = [worker.server.test_client() for worker in workers]
    lookups = [_token_lookups(worker.server.extensions["portal.services"].engine) for worker in workers]
    for client in clients:
        for _ in range(3):
            assert client.get("/api/v1/models/churn", **_bearer(secret)).status_code == 200
    assert [len(seen) for seen in lookups] == [1, 1], "each worker looked the token up once"

    token_id = secret.split("_")[1]
    assert main(["tokens", "revoke", token_id]) == 0
    for client in clients:
        refused = client.get("/api/v1/models/churn", **_bearer(secret))
        assert refused.status_code == 401, "the very next request after revoking"
        assert "revoked" in refused.get_json()["error"]["message"]


def test_tkc002_revoking_on_the_admin_path_also_tells_every_worker(make_settings, data_dir) -> None:
    app = create_app(make_settings(**HEADER_ENV))
    engine = app.server.extensions["portal.services"].engine
    secret, token = api_tokens.create(engine, "ci", Role.VIEWER, (), 30, "admin")
    client = app.server.test_client()
    assert client.get("/api/v1/models", **_bearer(secret)).status_code == 200
    assert api_tokens.revoke(engine, token.token_id, data_dir) is not None
    assert token_cache.stamp_path(data_dir).exists()
    assert client.get("/api/v1/models", **_bearer(secret)).status_code == 401


class _Token:
    def __init__(self, expires_in: float = 3600) -> None:
        self.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires_in)

    @property
    def active(self) -> bool:
        return dt.datetime.now(dt.UTC) < self.expires_at


def test_tkc003_kept_tokens_age_out_expired_ones_are_not_served_and_unknown_ones_not_kept(tmp_path) -> None:
    cache = TokenCache(tmp_path / "stamp", ttl=0.2)
    loads: list[str] = []

    def load(answer):
        def _load():
            loads.append("db")
            return answer

        return _load

    token = _Token()
    assert cache.lookup("a", load(token)) is token
    assert cache.lookup("a", load(None)) is token and loads == ["db"], "kept"
    time.sleep(0.25)
    assert cache.lookup("a", load(None)) is None, "revoked by hand in SQL: gone once kept too long"
    assert cache.lookup("b", load(None)) is None and cache.lookup("b", load(None)) is None
    assert loads == ["db", "db", "db", "db"], "an unknown secret is looked up every time"
    short = _Token(expires_in=0.1)
    assert cache.lookup("c", load(short)) is short
    time.sleep(0.15)
    assert cache.lookup("c", load(None)) is None, "expired while kept: looked up again"


def test_tkc004_a_token_revoked_while_it_was_being_looked_up_is_not_kept(tmp_path) -> None:
    token = _Token()

    def load_then_revoked():
        token_cache.mark_changed(tmp_path)  # another worker revoked it mid-lookup
        return token

    cache = TokenCache(token_cache.stamp_path(tmp_path))
    assert cache.lookup("a", load_then_revoked) is token
    assert cache.lookup("a", lambda: None) is None, "the answer read before the revocation was not kept"


def test_tkc005_the_stamp_changes_even_within_one_timestamp_tick(tmp_path) -> None:
    seen = set()
    for _ in range(5):
        token_cache.mark_changed(tmp_path)
        status = token_cache.stamp_path(tmp_path).stat()
        seen.add((status.st_ino, status.st_mtime_ns))
    assert len(seen) == 5
    assert not list(tmp_path.glob(".api-tokens.changed.*")), "no temporary file left behind"


def test_tkc006_every_revocation_moves_the_stamp_time_forward_even_past_a_clock_ahead(tmp_path) -> None:
    """Inodes are reused once freed, so the time must never repeat (or an old stamp comes back).

    The first stamp comes from a host whose clock runs a minute ahead, as a replica's may.
    """
    token_cache.mark_changed(tmp_path)
    stamp = token_cache.stamp_path(tmp_path)
    ahead = time.time_ns() + 60 * 10**9
    os.utime(stamp, ns=(ahead, ahead))
    times = [ahead]
    for _ in range(20):
        token_cache.mark_changed(tmp_path)
        times.append(stamp.stat().st_mtime_ns)
    assert times == sorted(set(times)), "strictly increasing"


def _outside(secret: str) -> dict:
    return {"headers": {"Authorization": f"Bearer {secret}"}, "environ_base": {"REMOTE_ADDR": "192.0.2.9"}}


def _served_token(make_settings, days: int):
    """An app behind header sign-in, its engine's token lookups counted, and a viewer token of it."""
    app = create_app(make_settings(**HEADER_ENV))
    engine = app.server.extensions["portal.services"].engine
    lookups = _token_lookups(engine)
    secret, token = api_tokens.create(engine, "ci", Role.VIEWER, (), days, "admin")
    return app.server.test_client(), engine, lookups, secret, token


def test_tkc007_a_kept_token_that_expires_is_refused_at_once(make_settings, monkeypatch) -> None:
    client, _engine, lookups, secret, token = _served_token(make_settings, 1)
    for _ in range(2):
        assert client.get("/api/v1/models", **_outside(secret)).status_code == 200
    assert len(lookups) == 1, "kept"
    later = token.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(api_tokens, "_now", lambda: later)
    refused = client.get("/api/v1/models", **_outside(secret))
    assert refused.status_code == 401, "expiry is checked on the kept record"
    assert "expired" in refused.get_json()["error"]["message"]


def test_tkc008_bad_tokens_get_the_clear_401_and_a_refused_secret_works_once_it_exists(make_settings) -> None:
    app = create_app(make_settings(**HEADER_ENV))
    engine = app.server.extensions["portal.services"].engine
    client = app.server.test_client()
    secret = "pt_0123456789abcdef_" + "A" * 43
    for bad in ("not-a-token", secret[:-1], secret):
        refused = client.get("/api/v1/models", **_outside(bad))
        assert refused.status_code == 401
        message = refused.get_json()["error"]["message"]
        assert message == "The API token is not valid: it is unknown, revoked or expired."
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:  # created by another worker or replica, which stamps nothing
        conn.execute(
            api_tokens.api_tokens.insert().values(
                token_id="0123456789abcdef", name="late", secret_hash=api_tokens.hash_secret(secret),
                role="viewer", models="", created_by="admin", created_at=now,
                expires_at=now + dt.timedelta(days=1),
            )
        )
    assert client.get("/api/v1/models", **_outside(secret)).status_code == 200, "the refusal was not kept"


def test_tkc009_an_unreadable_stamp_means_looking_up_every_time_not_an_error(make_settings, data_dir) -> None:
    stamp = token_cache.stamp_path(data_dir)
    stamp.symlink_to(stamp.name)  # a link to itself: stat fails with "too many levels of links"
    client, engine, lookups, secret, token = _served_token(make_settings, 30)
    for _ in range(3):
        assert client.get("/api/v1/models", **_outside(secret)).status_code == 200
    assert len(lookups) == 3, "nothing kept while the stamp cannot be read"
    assert api_tokens.revoke(engine, token.token_id, data_dir) is not None
    assert not stamp.is_symlink(), "revoking writes a fresh stamp"
    assert client.get("/api/v1/models", **_outside(secret)).status_code == 401
