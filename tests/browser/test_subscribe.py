"""Subscriptions from a page, in real Chromium against real gunicorn, with time driven by `report tick --at`.

Sign-in is header mode behind a trusted proxy (the browser sends the proxy's headers); email goes to a
local aiosmtpd server.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.receivers import Mailbox, smtp_server
from tests.support.servers import PROJECT_ROOT, GunicornServer, start_gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.gunicorn, pytest.mark.slow]

GROUPS = {"viewer": "staff", "analyst": "portal-analysts", "admin": "portal-admins"}


def identity(role: str, user: str) -> dict[str, str]:
    return {"X-Forwarded-User": user, "X-Forwarded-Groups": GROUPS[role]}


class Portal:
    def __init__(self, server: GunicornServer, env: dict[str, str], box: Mailbox) -> None:
        self.server, self.env, self.box = server, env, box

    def tick(self, at: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "portal.cli", "report", "tick", "--at", at],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path) -> Iterator[Portal]:
    data_dir = tmp_path_factory.mktemp("subscribe") / "var"
    shutil.copytree(demo_models_dir, data_dir)
    with smtp_server() as box:
        env = base_env(
            data_dir,
            PORTAL_AUTH="header",
            PORTAL_TRUSTED_PROXIES="127.0.0.1/32",
            PORTAL_VIEWER_GROUPS=GROUPS["viewer"],
            PORTAL_ANALYST_GROUPS=GROUPS["analyst"],
            PORTAL_ADMIN_GROUPS=GROUPS["admin"],
            PORTAL_SECRET_KEY="k" * 40,
            PORTAL_SMTP_HOST=box.host,
            PORTAL_SMTP_PORT=str(box.port),
            PORTAL_SMTP_STARTTLS="false",
            PORTAL_REPORT_RECIPIENT_DOMAINS="example.com",
            PORTAL_REPORT_TIMEOUT="45",
            PORTAL_SCHEDULER="off",
        )
        server = start_gunicorn({**env, "PORTAL_WORKERS": "2"})
        env["PORTAL_REPORT_BASE_URL"] = server.url
        try:
            yield Portal(server, env, box)
        finally:
            server.stop()


def open_page(context, portal: Portal, path: str, role: str, user: str):
    page = context.new_page()
    page.set_extra_http_headers(identity(role, user))
    page.goto(portal.server.url + path, wait_until="domcontentloaded")
    page.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=30000)
    return page


def open_dialog(page) -> None:
    page.click("#subscribe-open")
    page.wait_for_selector("#subscribe-modal .modal-body", state="visible", timeout=10000)
    page.wait_for_function("() => !!document.querySelector('#subscribe-page').value", timeout=10000)


def save(page, expect: str) -> str:
    """Click Save and wait for text only this click's answer holds: the last answer may still show."""
    selector = "#subscribe-feedback .alert"
    page.click("#subscribe-save")
    found = f"document.querySelector({selector!r})"
    page.wait_for_function(f"() => !!{found} && {found}.innerText.includes({expect!r})", timeout=15000)
    return page.inner_text(selector)


def refused(page, expected: str) -> None:
    """Save, and see the refusal name the problem."""
    text = save(page, expected)
    assert text.startswith("Not saved:"), text


def test_sbs001_subscribe_from_overview_with_a_segment_then_the_due_email_carries_it(
    portal: Portal, browser_context
) -> None:
    page = open_page(
        browser_context, portal, "/overview?model=churn&segment=region", "analyst", "ana@example.com"
    )
    problems = watch(page)
    open_dialog(page)
    assert "segment=region" in page.input_value("#subscribe-page")
    assert "segment = region" in page.inner_text("#subscribe-controls")
    assert page.input_value("#subscribe-email") == "ana@example.com", "the subscriber is the first recipient"
    assert page.is_hidden("#subscribe-directory"), "directories are for admins only"
    page.fill("#subscribe-title", "Churn by region")
    page.fill("#subscribe-email", "ana@example.com, team@example.com")
    page.fill("#subscribe-time", "07:30")
    page.fill("#subscribe-timezone", "Europe/Berlin")
    page.click("#subscribe-preview")
    page.wait_for_selector("#subscribe-preview-image:not(.d-none)", timeout=90000)
    assert "rendered as a analyst" not in page.inner_text("#subscribe-feedback")
    assert "Preview of the first page, rendered as an analyst. Not saved yet." in page.inner_text(
        "#subscribe-feedback"
    )
    width = page.evaluate("() => document.querySelector('#subscribe-preview-image').naturalWidth")
    assert width > 400, "the preview is a real image of the page"
    saved = save(page, "' saved")
    assert "'churn-by-region' saved: daily at 07:30 (Europe/Berlin)" in saved

    first = portal.tick("2027-01-04T06:00:00Z")  # 07:00 in Berlin: registered, not yet due
    assert (first.returncode, first.stdout) == (0, "nothing is due\n"), first.stderr
    due = portal.tick("2027-01-04T06:31:00Z")  # 07:31 in Berlin: the 07:30 run is due
    assert due.returncode == 0, due.stdout + due.stderr
    assert due.stdout.startswith("report:churn-by-region\tran\tok\treport run "), due.stdout

    [message] = portal.box.messages
    assert message["To"] == "ana@example.com, team@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Filters: segment=region" in text
    assert "by region" in text.split("Charts:")[1].splitlines()[0], "the rendered chart is grouped by region"
    assert "(Europe/Berlin)" in text and "Rendered with the analyst role." in text
    assert "Live view: " in text and "/overview?model=churn&segment=region" in text
    html = message.get_body(preferencelist=("html",))
    assert 'src="cid:' in html.get_content(), "the first page is inline"
    [png] = [part for part in message.iter_attachments() if part.get_content_type() == "image/png"]
    data = png.get_content()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000

    reports = open_page(browser_context, portal, "/reports", "analyst", "ana@example.com")
    table = reports.inner_text("#reports-subscriptions")
    assert "churn-by-region" in table and "daily at 07:30 (Europe/Berlin)" in table and "active" in table
    history = reports.inner_text("#reports-history")
    assert "churn-by-region" in history and "succeeded" in history
    href = reports.locator("#reports-history a").first.get_attribute("href")
    download = requests.get(
        portal.server.url + href, headers=identity("analyst", "ana@example.com"), timeout=10
    )
    assert download.status_code == 200 and download.content == data
    other = requests.get(portal.server.url + href, headers=identity("viewer", "vera@example.com"), timeout=10)
    assert other.status_code == 404, "another subscriber's run is not theirs to download"

    reports.get_by_role("button", name="Pause").click()
    reports.wait_for_function(
        "() => document.querySelector('#reports-subscriptions').innerText.includes('paused')", timeout=10000
    )
    reports.get_by_role("button", name="Edit").click()
    reports.wait_for_selector("#subscribe-modal .modal-body", state="visible", timeout=10000)
    assert reports.input_value("#subscribe-title") == "Churn by region"
    assert reports.input_value("#subscribe-email") == "ana@example.com, team@example.com"
    reports.fill("#subscribe-time", "08:15")
    edited = save(reports, "updated:")
    assert "'churn-by-region' updated: daily at 08:15 (Europe/Berlin)" in edited
    assert problems.all() == []


def test_sbs002_viewer_subscribes_only_themselves_never_an_admin_page_and_renders_as_viewer(
    portal: Portal, browser_context
) -> None:
    page = open_page(browser_context, portal, "/reports", "viewer", "vera@example.com")
    open_dialog(page)
    refused = save(page, "reports never render admin pages")
    assert "/reports is an admin page; reports never render admin pages" in refused

    page = open_page(browser_context, portal, "/overview?model=churn", "viewer", "vera@example.com")
    open_dialog(page)
    page.fill("#subscribe-title", "Vera overview")
    page.fill("#subscribe-email", "vera@example.com, boss@example.com")
    refused = save(page, "viewers may subscribe only themselves")
    assert "boss@example.com: viewers may subscribe only themselves (vera@example.com)" in refused
    page.fill("#subscribe-email", "vera@example.com")
    page.fill("#subscribe-time", "08:00")
    page.fill("#subscribe-timezone", "UTC")
    assert "'vera-overview' saved" in save(page, "' saved")

    before = len(portal.box.messages)
    assert portal.tick("2027-02-01T07:00:00Z").returncode == 0
    due = portal.tick("2027-02-01T08:00:30Z")
    assert due.returncode == 0 and "report:vera-overview\tran\tok" in due.stdout, due.stdout + due.stderr
    message = portal.box.messages[before]
    assert message["To"] == "vera@example.com"
    assert "Rendered with the viewer role." in message.get_body(preferencelist=("plain",)).get_content()


def test_sbs003_recipient_domains_and_each_bad_input_class_get_a_clear_message(
    portal: Portal, browser_context
) -> None:
    page = open_page(browser_context, portal, "/overview?model=churn", "analyst", "ana@example.com")
    open_dialog(page)
    page.fill("#subscribe-title", "Bad inputs")
    page.fill("#subscribe-email", "ana@example.com, eve@evil.test")
    refused(page, "eve@evil.test is outside the allowed recipient domains (example.com)")
    page.fill("#subscribe-email", "not-an-address")
    refused(page, "'not-an-address' is not an email address")
    page.fill("#subscribe-email", "ana@example.com")
    page.fill("#subscribe-timezone", "Mars/Olympus")
    refused(page, "unknown time zone 'Mars/Olympus'")
    page.fill("#subscribe-timezone", "UTC")
    page.select_option("#subscribe-kind", "cron")
    page.fill("#subscribe-cron", "99 * * * *")
    refused(page, "is not a valid cron expression")
    page.select_option("#subscribe-kind", "daily")
    page.fill("#subscribe-webhook", "ftp://hooks.example.com/x")
    refused(page, "must be an http:// or https:// URL")
    missing = open_page(browser_context, portal, "/no-such-page?model=churn", "analyst", "ana@example.com")
    open_dialog(missing)
    missing.fill("#subscribe-email", "ana@example.com")
    refused(missing, "no portal page at '/no-such-page'")
    reports = open_page(browser_context, portal, "/reports", "analyst", "ana@example.com")
    assert "bad-inputs" not in reports.inner_text("#reports-subscriptions"), "nothing was saved half-way"
