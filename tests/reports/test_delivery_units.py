"""Report settings and deliveries that need no browser: bad values named, failures recorded as such."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import ConfigError, load_settings
from portal.reports.definitions import PageSpec, ReportDefinition
from portal.reports.deliver import DeliveryError, Message, deliver, webhook_payload
from portal.reports.fields import Delivery
from portal.reports.summary import RunSummary
from tests.support.receivers import webhook_receiver

REPORT = ReportDefinition("weekly", "Weekly", (PageSpec("/overview", (("model", "churn"),)),))


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PORTAL_REPORT_BASE_URL": "file:///tmp"}, "PORTAL_REPORT_BASE_URL='file:///tmp' is invalid"),
        (
            {"PORTAL_REPORT_BASE_URL": "http://portal/overview"},
            "expected empty (http://HOST:PORT) or an origin",
        ),
        ({"PORTAL_REPORT_TRIES": "0"}, "PORTAL_REPORT_TRIES='0' is invalid"),
        ({"PORTAL_REPORT_TIMEOUT": "soon"}, "PORTAL_REPORT_TIMEOUT='soon' is invalid"),
        ({"PORTAL_SMTP_PORT": "99999"}, "PORTAL_SMTP_PORT='99999' is invalid"),
        ({"PORTAL_SMTP_STARTTLS": "maybe"}, "PORTAL_SMTP_STARTTLS='maybe' is invalid"),
    ],
)
def test_dlv001_bad_report_settings_are_named(env, message) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert message in str(caught.value)


def test_dlv002_report_origin_defaults_to_the_served_address() -> None:
    assert load_settings({"HOST": "0.0.0.0", "PORT": "9000"}).report_origin == "http://127.0.0.1:9000"
    custom = load_settings({"PORTAL_REPORT_BASE_URL": "https://portal.example.com/"})
    assert custom.report_origin == "https://portal.example.com"


@pytest.fixture()
def summary(tmp_path: Path) -> Message:
    output = tmp_path / "weekly-1.png"
    output.write_bytes(b"\x89PNG data")
    return RunSummary(
        7, REPORT, "2026-11-21T07:00:00+00:00", 3.2, [output], "http://127.0.0.1:8050"
    ).message()


def test_dlv003_directory_that_cannot_be_written_is_a_failed_delivery(
    make_settings, summary, tmp_path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(DeliveryError, match="cannot write to"):
        deliver(make_settings(), Delivery("directory", str(blocker / "inside")), summary)


def test_dlv004_email_without_smtp_host_is_a_failed_delivery(make_settings, summary) -> None:
    with pytest.raises(DeliveryError, match="PORTAL_SMTP_HOST is not set"):
        deliver(make_settings(), Delivery("email", "", ("a@example.com",)), summary)


def test_dlv005_unreachable_smtp_server_is_a_failed_delivery(make_settings, summary) -> None:
    from tests.support.servers import free_port

    settings = make_settings(PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT=str(free_port()))
    with pytest.raises(DeliveryError, match=r"SMTP 127\.0\.0\.1"):
        deliver(settings, Delivery("email", "", ("a@example.com",)), summary)


def test_dlv006_webhook_styles_and_unreachable_hook(make_settings, summary) -> None:
    slack = webhook_payload("slack", summary)
    assert "<http://127.0.0.1:8050/reports/runs/7/files/weekly-1.png|weekly-1.png>" in slack["text"]
    plain = webhook_payload("json", summary)
    assert plain["pages"] == ["/overview?model=churn"] and plain["files"][0]["content_type"] == "image/png"
    with webhook_receiver() as hook:
        deliver(make_settings(), Delivery("webhook", hook.url, style="slack"), summary)
        assert hook.posts[0]["json"] == slack
    with pytest.raises(DeliveryError, match="ConnectionError"):
        deliver(make_settings(), Delivery("webhook", hook.url, timeout=2), summary)


def test_dlv007_report_url_is_a_short_lived_embed_token_for_that_page(make_settings) -> None:
    import time
    from urllib.parse import parse_qs, urlsplit

    from portal.embed import tokens as embed_tokens
    from portal.reports.targets import page_url

    settings = make_settings(PORTAL_REPORT_TIMEOUT="30")
    url = urlsplit(page_url(settings, "weekly", REPORT.pages[0]))
    assert f"{url.scheme}://{url.netloc}" == settings.report_origin and url.path == "/embed/overview"
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    token = query.pop("token")
    grant = embed_tokens.verify(settings.secret_key, token, "/overview")
    assert query == {"model": "churn"} and grant.query == {"model": "churn"}
    assert grant.subject == "report:weekly"
    assert grant.expires_at - time.time() <= 30 + 60
    with pytest.raises(embed_tokens.TokenError, match="another page"):
        embed_tokens.verify(settings.secret_key, token, "/performance")


def test_dlv008_run_now_child_gets_exactly_the_same_settings(make_settings) -> None:
    from portal.reports.launch import settings_env

    settings = make_settings(
        PORTAL_FRAME_ANCESTORS="'self' https://intranet.example.com",
        PORTAL_SMTP_STARTTLS="false",
        PORTAL_REPORT_TRIES="5",
        PORTAL_CACHE_SOCKET_TIMEOUT="0.5",
    )
    assert load_settings(settings_env(settings)) == settings


def test_dlv009_run_now_child_that_cannot_start_fails_its_run(make_settings, tmp_path) -> None:
    import time

    from portal.db.engine import create_engine
    from portal.reports import history
    from portal.reports.launch import start_run

    settings = make_settings(PORTAL_REPORTS_FILE=str(tmp_path / "gone.yaml"))
    engine = create_engine(settings.sqlalchemy_url)
    try:
        run_id = history.create(engine, "weekly", "page", status="queued")
        start_run(settings, engine, "weekly", run_id).wait(timeout=60)
        deadline = time.monotonic() + 10
        while history.get(engine, run_id).status == "queued" and time.monotonic() < deadline:
            time.sleep(0.1)
        run = history.get(engine, run_id)
        assert run.status == "failed"
        assert "exited with code 2 before starting" in run.error and "cannot read it" in run.error
    finally:
        engine.dispose()
