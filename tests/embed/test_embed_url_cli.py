"""``portal embed-url``: a full URL that opens the embed; bad page, ttl, query or base URL exit 2."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.app import create_app
from portal.cli import main
from portal.embed import tokens as embed_tokens

SECRET = "c" * 40


@pytest.fixture()
def cli_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PORTAL_SECRET_KEY", SECRET)
    monkeypatch.setenv("PORTAL_LOG_LEVEL", "warning")
    return data_dir


def test_cli101_prints_a_url_that_opens_the_pinned_page(cli_env, capsys, make_settings) -> None:
    started = time.time()
    code = main(["embed-url", "/overview", "--query", "model=churn&segment=plan", "--ttl", "15m"])
    out = capsys.readouterr()
    assert code == 0, out.err
    url = out.out.strip()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://127.0.0.1:8050"
    assert parts.path == "/embed/overview"
    query = parse_qs(parts.query)
    assert query["model"] == ["churn"] and query["segment"] == ["plan"]
    grant = embed_tokens.verify(SECRET, query["token"][0], "/overview")
    assert grant.query == {"model": "churn", "segment": "plan"}
    assert started + 15 * 60 - 2 <= grant.expires_at <= time.time() + 15 * 60 + 1
    client = create_app(make_settings(PORTAL_SECRET_KEY=SECRET)).server.test_client()
    assert client.get(f"{parts.path}?{parts.query}").status_code == 200
    assert client.get(f"/embed/what-if?{parts.query}").status_code == 401


@pytest.mark.parametrize(
    ("page", "base_url", "expected"),
    [
        (
            "models",
            "https://portal.example.com/analytics/",
            "https://portal.example.com/analytics/embed/models?",
        ),
        ("/", None, "http://127.0.0.1:8050/embed/?"),
        ("what-if", None, "http://127.0.0.1:8050/embed/what-if?"),
    ],
)
def test_cli102_page_names_and_base_url(cli_env, capsys, page, base_url, expected) -> None:
    argv = ["embed-url", page, "--ttl", "7d"] + (["--base-url", base_url] if base_url else [])
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(expected)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/nowhere"], "unknown page '/nowhere'"),
        (["/reports"], "page /reports cannot be embedded"),
        (["/overview", "--ttl", "1y"], "ttl '1y' is not a duration"),
        (["/overview", "--ttl", "0s"], "between 1 second and 366 days"),
        (["/overview", "--ttl", "400d"], "between 1 second and 366 days"),
        (["/overview", "--query", "model"], "is not name=value pairs"),
        (["/overview", "--query", "model=churn&model=revenue"], "names model more than once"),
        (["/overview", "--query", "token=abc"], "cannot set 'token'"),
        (["/overview", "--query", "model=nosuch"], "model 'nosuch' is not registered"),
        (["/overview", "--base-url", "file:///etc"], "base URL 'file:///etc' must look like"),
    ],
)
def test_cli103_bad_input_is_one_line_and_exit_2(cli_env, capsys, argv, message) -> None:
    assert main(["embed-url", *argv]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("portal: ") and message in out.err
    assert out.err.count("\n") == 1


def test_cli104_the_public_url_setting_is_the_default_base(cli_env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.example.com/analytics")
    assert main(["embed-url", "/overview"]) == 0
    assert capsys.readouterr().out.startswith("https://portal.example.com/analytics/embed/overview?token=")
