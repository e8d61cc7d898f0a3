"""The Alerts page in real Chromium against real gunicorn, with header sign-in behind a trusted proxy.

An analyst acknowledges, silences and mutes; a viewer only looks. Then, outside the browser, the
rule's check finds the silenced alert still firing and holds its notice, saying why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.alerts import store
from portal.alerts.check import check_rule
from portal.alerts.rules import load_rules
from portal.app import create_app
from portal.config import load_settings
from portal.reports.fields import Delivery
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted
from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.receivers import webhook_receiver
from tests.support.servers import start_gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.gunicorn, pytest.mark.slow]

GROUPS = {"viewer": "staff", "analyst": "portal-analysts", "admin": "portal-admins"}
READY = "() => document.body.dataset.portalReady === 'true'"
RULES = """
alerts:
  - name: churn-drift
    title: Churn drift watch
    model: churn
    window: 7d
    dataset_drift: true
    performance_drop: {metric: roc_auc, by: 0.05}
"""


@dataclasses.dataclass
class Portal:
    url: str
    app: object
    alerts: dict[str, store.Alert]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, demo_models_dir: Path) -> Iterator[Portal]:
    data_dir = tmp_path_factory.mktemp("alerts-page") / "var"
    shutil.copytree(demo_models_dir, data_dir)
    (data_dir / "reports.yaml").write_text(RULES)
    env = base_env(
        data_dir,
        PORTAL_AUTH="header",
        PORTAL_TRUSTED_PROXIES="127.0.0.1/32",
        PORTAL_VIEWER_GROUPS=GROUPS["viewer"],
        PORTAL_ANALYST_GROUPS=GROUPS["analyst"],
        PORTAL_ADMIN_GROUPS=GROUPS["admin"],
        PORTAL_SECRET_KEY="k" * 40,
        PORTAL_REPORTS_FILE=str(data_dir / "reports.yaml"),
        PORTAL_SCHEDULER="off",
    )
    app = create_app(load_settings(env))
    engine = services_of(app).engine
    at = store.now() - dt.timedelta(hours=2)

    def seed(kind: str, summary: str, page: str) -> store.Alert:
        return store.create(engine, "churn-drift", kind, ("churn", 1), summary, {}, page, at)

    alerts = {
        "drop": seed(
            "performance_drop", "Live roc_auc of churn v1 is 0.61", "/performance?model=churn&source=live"
        ),
        "drift": seed(
            "dataset_drift", "Dataset drift on churn v1: 5 of 9 features", "/drift?model=churn&window=7d"
        ),
        "old": seed("dataset_drift", "Dataset drift on churn v1 last month", "/drift?model=churn&window=30d"),
    }
    store.update(engine, alerts["old"].id, status=store.RESOLVED, resolved_at=at + dt.timedelta(hours=1))
    server = start_gunicorn({**env, "PORTAL_WORKERS": "2"})
    try:
        yield Portal(server.url, app, alerts)
    finally:
        server.stop()
        services_of(app).prediction_log.stop()


def open_alerts_page(context, portal: Portal, role: str, user: str):
    page = context.new_page()
    page.set_extra_http_headers({"X-Forwarded-User": user, "X-Forwarded-Groups": GROUPS[role]})
    page.goto(portal.url + "/alerts", wait_until="domcontentloaded")
    page.wait_for_function(READY, timeout=30000)
    page.wait_for_selector("#alerts-open-table", timeout=15000)
    return page


def row(page, alert: store.Alert):
    return page.locator("#alerts-open-table tbody tr").filter(
        has=page.locator(f'[data-alert-id="{alert.id}"]')
    )


def wait_text(page, selector: str, expected: str, timeout: int = 15000) -> str:
    found = f"document.querySelector({selector!r})"
    page.wait_for_function(f"() => !!{found} && {found}.innerText.includes({expected!r})", timeout=timeout)
    return page.inner_text(selector)


def act(page, alert: store.Alert, button: str) -> None:
    row(page, alert).get_by_role("button", name=button).click()
    page.wait_for_selector("#alerts-modal .modal-body", state="visible", timeout=10000)
    wait_text(page, "#alerts-modal-alert", f"Alert {alert.id}:")


def test_alp001_an_analyst_acknowledges_silences_and_mutes_and_a_bad_duration_is_explained(
    portal: Portal, browser_context
) -> None:
    page = open_alerts_page(browser_context, portal, "analyst", "ana")
    problems = watch(page)
    assert page.is_hidden("#alerts-readonly")
    drop, drift, old = portal.alerts["drop"], portal.alerts["drift"], portal.alerts["old"]
    first = row(page, drop).inner_text()
    assert (
        "Churn drift watch" in first
        and "churn-drift" in first
        and "Fired on live performance drop. The rule watches dataset drift and" in first
    )
    assert "churn v1" in first and "Live roc_auc of churn v1 is 0.61" in first and "new" in first
    link = row(page, drift).get_by_role("link", name="Open the Drift page")
    assert link.get_attribute("href") == "/drift?model=churn&window=7d"
    assert "2 open alerts" in page.inner_text("#alerts-open")
    resolved = page.inner_text("#alerts-resolved")
    assert "1 resolved alert" in resolved and "last month" in resolved
    assert page.locator(f'#alerts-resolved [data-alert-id="{old.id}"]').count() == 1

    act(page, drop, "Acknowledge")
    assert page.is_hidden("#alerts-duration-row"), "acknowledging takes no duration"
    page.fill("#alerts-comment", "looking into the label delay")
    page.click("#alerts-confirm")
    wait_text(page, "#alerts-status", f"Alert {drop.id} acknowledged by ana.")
    state = row(page, drop).inner_text()
    assert "acknowledged" in state and "by ana at " in state and ": looking into the label delay" in state
    stamp = store.get(services_of(portal.app).engine, drop.id).acknowledged_at
    assert f"{stamp:%Y-%m-%d %H:%M} UTC" in state
    assert row(page, drop).get_by_role("button", name="Acknowledge").is_disabled()

    act(page, drift, "Silence")
    page.get_by_label("Other", exact=True).check()
    page.fill("#alerts-duration-other", "3 fortnights")
    page.click("#alerts-confirm")
    message = wait_text(page, "#alerts-modal-feedback", "duration:")
    assert (
        message == "duration: expected a number and a unit m, h, d or w, such as 4h or 1d, not '3 fortnights'"
    )
    assert page.is_visible("#alerts-modal .modal-body"), "the dialog stays open to fix it"
    page.get_by_label("1 hour", exact=True).check()
    page.fill("#alerts-comment", "deploy")
    page.click("#alerts-confirm")
    wait_text(page, "#alerts-status", "silenced until")
    until = store.get(services_of(portal.app).engine, drift.id).silenced_until
    state = row(page, drift).inner_text()
    assert f"silenced until {until:%Y-%m-%d %H:%M} UTC" in state and "by ana: deploy" in state
    assert abs((until - store.now()) - dt.timedelta(hours=1)) < dt.timedelta(minutes=1)

    page.fill("#alerts-window-name", "weekends")
    page.fill("#alerts-window-timezone", "Europe/Paris")
    page.fill("#alerts-window-comment", "nobody on call")
    page.click("#alerts-window-add")
    wait_text(page, "#alerts-window-status", "added")
    assert "Mute window 'weekends' added: sat,sun 00:00-24:00 Europe/Paris (all rules)." in page.inner_text(
        "#alerts-window-status"
    )
    listed = page.inner_text("#alerts-windows-table")
    assert "weekends" in listed and "sat,sun" in listed and "Europe/Paris" in listed and "ana," in listed
    page.locator("#alerts-windows-table").get_by_role("button", name="Delete").click()
    wait_text(page, "#alerts-window-status", "Mute window 'weekends' deleted.")
    wait_text(page, "#alerts-windows", "No mute windows.")
    assert problems.all() == []
    page.close()


def test_alp002_a_viewer_sees_the_alerts_but_every_action_is_disabled_with_the_reason(
    portal: Portal, browser_context
) -> None:
    page = open_alerts_page(browser_context, portal, "viewer", "vic")
    problems = watch(page)
    reason = "Acknowledging, silencing and mute windows need the analyst role; you are viewer."
    assert page.inner_text("#alerts-readonly") == reason
    drift = row(page, portal.alerts["drift"])
    assert "Dataset drift on churn v1: 5 of 9 features" in drift.inner_text()
    for name in ("Acknowledge", "Silence"):
        button = drift.get_by_role("button", name=name)
        assert button.is_disabled() and button.get_attribute("title") == reason
    assert page.is_disabled("#alerts-window-add") and page.is_disabled("#alerts-window-name")
    page.click("#alerts-refresh")
    page.wait_for_load_state("networkidle")
    assert "2 open alerts" in page.inner_text("#alerts-open")
    page.goto(portal.url + "/alerts?model=revenue", wait_until="domcontentloaded")
    page.wait_for_function(READY, timeout=30000)
    assert "revenue" in page.inner_text("#alerts-model")
    assert "No open alerts." in page.inner_text("#alerts-open"), "the filter comes from the URL"
    assert "No resolved alerts yet." in page.inner_text("#alerts-resolved")
    page.locator("#alerts-model").click()
    page.get_by_role("option", name="churn").click()
    wait_text(page, "#alerts-open", "2 open alerts")
    page.wait_for_function("() => window.location.search === '?model=churn'", timeout=10000)
    assert problems.all() == []
    page.close()


def test_alp003_the_silenced_alert_is_checked_still_firing_and_its_notice_is_held_with_the_reason(
    portal: Portal, browser_context
) -> None:
    """Runs after the analyst silenced the drift alert for an hour in the browser."""
    app, drift = portal.app, portal.alerts["drift"]
    services = services_of(app)
    silenced = store.get(services.engine, drift.id)
    assert silenced.silenced_by == "ana", "test_alp001 silenced it from the page"
    record = services.registry.get("churn")
    log_at(app, shifted(reference_rows(app, 200), record), store.now() - dt.timedelta(days=1))
    rule = load_rules(services.settings)["churn-drift"]
    with webhook_receiver() as hook:
        channel = Delivery("webhook", hook.url)
        rule = dataclasses.replace(rule, deliveries=(channel,))
        outcome = check_rule(services.settings, services.engine, services.registry, rule)
        assert outcome.error is None and outcome.raised == [], outcome
        assert [f.firing for f in outcome.findings if f.kind == "dataset_drift"] == [True]
        assert hook.posts == [], "no notice while silenced"
    held = store.get(services.engine, drift.id)
    reason = f"silenced until {silenced.silenced_until:%Y-%m-%d %H:%M} UTC by ana: deploy"
    assert [(e["event"], e["ok"], e["held"]) for e in held.deliveries] == [("raised", False, reason)]
    assert held.status == store.OPEN

    page = open_alerts_page(browser_context, portal, "viewer", "vic")
    row(page, drift).locator("summary").click()
    log = row(page, drift).locator(".portal-alert-deliveries").inner_text()
    assert f"raised to {channel.describe()}: not delivered, {reason}" in log
    page.close()
