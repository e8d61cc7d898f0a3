"""API tokens: created by the CLI and the admin page, used as Bearer, scoped, revoked, stored hashed."""

from __future__ import annotations

import hashlib
import os

import pytest
import sqlalchemy as sa

from portal.cli import main
from portal.db.auth import api_tokens, audit_log
from tests.api.test_predict_api import reference_records
from tests.security.conftest import HEADER_ENV, STRANGER


@pytest.fixture()
def cli_env(data_dir, monkeypatch):
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    for key, value in HEADER_ENV.items():
        monkeypatch.setenv(key, value)
    return data_dir


def _create(capsys, *args: str) -> str:
    assert main(["tokens", "create", *args]) == 0
    return capsys.readouterr().out.strip()


def _bearer(secret: str) -> dict:
    return {"headers": {"Authorization": f"Bearer {secret}"}, "environ_base": {"REMOTE_ADDR": STRANGER}}


def test_tok001_create_use_revoke(cli_env, header_app, capsys, data_dir) -> None:
    secret = _create(capsys, "nightly job", "--role", "analyst", "--models", "churn", "--days", "30")
    assert secret.startswith("pt_")
    client = header_app.server.test_client()
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    used = client.post("/api/v1/models/churn/predict", json={"records": [record]}, **_bearer(secret))
    assert used.status_code == 200, used.get_json()
    other = client.get("/api/v1/models/revenue", **_bearer(secret))
    assert other.status_code == 403
    assert "not allowed to use the model 'revenue'" in other.get_json()["error"]["message"]
    issue = client.post("/api/v1/embed-tokens", json={"page": "/overview"}, **_bearer(secret))
    assert issue.status_code == 403, "an analyst token cannot issue embed links"
    page = client.get("/overview", **_bearer(secret))
    assert page.status_code == 401, "tokens open the REST API only"

    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    token_id = listing.split()[0]
    assert "nightly job" in listing and "analyst" in listing and "active" in listing
    assert main(["tokens", "revoke", token_id]) == 0
    capsys.readouterr()
    after = client.get("/api/v1/models", **_bearer(secret))
    assert after.status_code == 401
    assert "revoked" in after.get_json()["error"]["message"]

    engine = header_app.server.extensions["portal.services"].engine
    with engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens.c.secret_hash)).scalars().all()
        actions = conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.audit_id)).scalars().all()
    assert stored == [hashlib.sha256(secret.encode()).hexdigest()]
    assert secret not in str(stored)
    assert actions == ["token.create", "token.revoke"]


def test_tok002_expired_and_forged_tokens_are_refused(cli_env, header_app, capsys) -> None:
    secret = _create(capsys, "short", "--days", "1")
    engine = header_app.server.extensions["portal.services"].engine
    with engine.begin() as conn:
        conn.execute(api_tokens.update().values(expires_at=sa.func.datetime("now", "-1 day")))
    client = header_app.server.test_client()
    assert client.get("/api/v1/models", **_bearer(secret)).status_code == 401
    forged = secret[:-4] + "AAAA"
    assert client.get("/api/v1/models", **_bearer(forged)).status_code == 401
    assert client.get("/api/v1/models", **_bearer("not-a-token")).status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--role", "owner"], "unknown role 'owner'"),
        (["x", "--models", "nosuch"], "unknown model(s): nosuch"),
        (["x", "--days", "400"], "1 to 366 days"),
        (["<script>"], "give the token a name"),
    ],
)
def test_tok003_bad_cli_input_is_one_clear_line(cli_env, capsys, args, message) -> None:
    assert main(["tokens", "create", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_tok004_revoking_an_unknown_id_says_so(cli_env, capsys) -> None:
    assert main(["tokens", "revoke", "0123456789abcdef"]) == 2
    assert "no token with id '0123456789abcdef'" in capsys.readouterr().err


def test_tok005_a_token_limited_to_models_lists_only_those(cli_env, header_app, capsys) -> None:
    secret = _create(capsys, "revenue dashboard", "--role", "viewer", "--models", "revenue")
    client = header_app.server.test_client()
    listed = client.get("/api/v1/models", **_bearer(secret))
    assert listed.status_code == 200
    assert [item["name"] for item in listed.get_json()["models"]] == ["revenue"]
    everything = _create(capsys, "all models", "--role", "viewer")
    names = [
        item["name"] for item in client.get("/api/v1/models", **_bearer(everything)).get_json()["models"]
    ]
    assert sorted(names) == ["churn", "revenue"]

