"""Checking rules raises an alert once, delivers it, retries failed deliveries and resolves it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from portal.alerts import store
from portal.alerts.check import check_rule
from portal.alerts.rules import AlertRule, PerformanceDrop
from portal.db.engine import create_engine
from portal.feedback.store import FeedbackItem
from portal.reports.fields import Delivery
from portal.reports.locks import report_lock
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted
from tests.support.receivers import webhook_receiver

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DRIFT = AlertRule("churn-drift", "Churn drift", "churn", window_days=30, dataset_drift=True)


def check(app, rule: AlertRule, at: dt.datetime = NOW):
    services = services_of(app)
    return check_rule(services.settings, services.engine, services.registry, rule, now=at)


def steady_and_shifted_history(app) -> None:
    """Shifted traffic 40 days ago, steady traffic two days ago."""
    services = services_of(app)
    record = services.registry.get("churn")
    log_at(app, shifted(reference_rows(app, 300), record), NOW - dt.timedelta(days=40))
    log_at(app, reference_rows(app, 300, start=300), NOW - dt.timedelta(days=2))


def test_chk001_an_empty_window_decides_nothing_and_raises_nothing(app) -> None:
    outcome = check(app, dataclasses.replace(DRIFT, performance_drop=PerformanceDrop("accuracy", 0.1)))
    assert outcome.ok and [f.firing for f in outcome.findings] == [None, None]
    assert "Not enough data: 0 rows, needs 100, in the last 30 days" in outcome.findings[0].summary
    assert "0 predictions with feedback" in outcome.findings[1].summary
    assert store.listed(services_of(app).engine) == []


def test_chk002_drift_is_raised_once_delivered_once_and_resolved_when_it_clears(app) -> None:
    steady_and_shifted_history(app)
    engine = services_of(app).engine
    with webhook_receiver() as hook:
        rule = dataclasses.replace(DRIFT, deliveries=(Delivery("webhook", hook.url),))
        first = check(app, rule, NOW - dt.timedelta(days=15))
        assert first.ok and first.findings[0].firing is True and len(first.raised) == 1
        [alert] = store.listed(engine, "churn", store.OPEN)
        assert alert.summary.startswith("Dataset drift on churn v1:") and "300 logged rows" in alert.summary
        assert alert.page == "/drift?model=churn&window=30d"
        assert alert.details["drifted_share"] >= 0.5 and alert.details["rows"] == 300
        [post] = hook.posts
        body = post["json"]
        assert (body["event"], body["kind"], body["model"], body["alert_id"]) == (
            "raised",
            "dataset_drift",
            "churn",
            alert.id,
        )
        assert body["url"].endswith("/drift?model=churn&window=30d")

        again = check(app, rule, NOW - dt.timedelta(days=14))
        assert again.raised == [] and len(hook.posts) == 1, "an open alert is not sent again"
        [still] = store.listed(engine, "churn", store.OPEN)
        assert still.id == alert.id and still.last_seen_at >= alert.last_seen_at

        cleared = check(app, rule)
        assert cleared.findings[0].firing is False and cleared.resolved == [alert.id]
        assert [p["json"]["event"] for p in hook.posts] == ["raised", "resolved"]
    [closed] = store.listed(engine, "churn")
    assert closed.status == "resolved" and closed.resolved_at is not None
    assert [d["event"] for d in closed.deliveries] == ["raised", "resolved"]


def test_chk003_a_failed_delivery_is_retried_by_the_next_check_only(app) -> None:
    steady_and_shifted_history(app)
    at = NOW - dt.timedelta(days=15)
    with webhook_receiver(status=500) as hook:
        rule = dataclasses.replace(DRIFT, deliveries=(Delivery("webhook", hook.url),))
        failed = check(app, rule, at)
        assert not failed.ok and "answered HTTP 500" in failed.delivery_failures[0]
        [alert] = store.listed(services_of(app).engine, "churn", store.OPEN)
        assert alert.deliveries[0]["ok"] is False and "HTTP 500" in alert.deliveries[0]["error"]
        hook.status = 200
        retried = check(app, rule, at)
        assert retried.ok and retried.raised == [] and len(hook.posts) == 2
        check(app, rule, at)
        assert len(hook.posts) == 2, "once delivered, the notice is not repeated"


def test_chk004_live_accuracy_drop_fires_and_thin_feedback_decides_nothing(app) -> None:
    services = services_of(app)
    rows = reference_rows(app, 80)
    ids = log_at(app, rows, NOW - dt.timedelta(days=1))
    rule = AlertRule(
        "churn-live",
        "Churn live",
        "churn",
        window_days=7,
        performance_drop=PerformanceDrop("accuracy", 0.1, False, 60),
    )
    services.feedback.submit("churn", [FeedbackItem(pid, verdict="incorrect") for pid in ids[:59]], "api")
    thin = check(app, rule)
    assert thin.findings[0].firing is None and "59 predictions with feedback" in thin.findings[0].summary
    services.feedback.submit("churn", [FeedbackItem(pid, verdict="incorrect") for pid in ids[59:]], "api")
    dropped = check(app, rule)
    finding = dropped.findings[0]
    assert finding.firing is True and finding.details["live"] == 0.0 and finding.details["labels"] == 80
    assert "Live accuracy of churn v1 dropped: 0 in the last 7 days" in finding.summary
    assert finding.page == "/performance?model=churn&version=1&source=live"
    services.feedback.submit("churn", [FeedbackItem(pid, verdict="correct") for pid in ids], "page")
    recovered = check(app, rule)
    assert recovered.findings[0].firing is False and recovered.resolved == dropped.raised


def test_chk005_rules_that_cannot_be_checked_say_why_and_change_nothing(app) -> None:
    services = services_of(app)
    missing = check(app, dataclasses.replace(DRIFT, model="nosuch"))
    assert missing.error.startswith("cannot check nosuch: no model named 'nosuch'")
    wrong_task = check(
        app, dataclasses.replace(DRIFT, model="revenue", performance_drop=PerformanceDrop("f1", 0.1))
    )
    assert wrong_task.error == (
        "cannot check revenue: revenue v1 has no reference f1 to compare with (its metrics: mae, r2, rmse)"
    )
    with report_lock(services.settings.data_dir, "alert:churn-drift"):
        busy = check(app, DRIFT)
    assert busy.error == "another check of alert 'churn-drift' is in progress"
    down = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/portal")
    try:
        outage = check_rule(services.settings, down, services.registry, DRIFT, NOW)
    finally:
        down.dispose()
    assert outage.error == "the portal database cannot be reached: OperationalError"
    with services.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM alerts")).scalar() == 0


def test_chk006_a_failed_resolved_notice_is_retried_until_delivered_within_the_retry_days(app) -> None:
    steady_and_shifted_history(app)
    engine = services_of(app).engine
    with webhook_receiver() as hook:
        rule = dataclasses.replace(DRIFT, deliveries=(Delivery("webhook", hook.url),))
        raised = check(app, rule, NOW - dt.timedelta(days=15))
        assert raised.ok and len(hook.posts) == 1
        hook.status = 503
        cleared = check(app, rule)
        assert cleared.resolved == raised.raised and "answered HTTP 503" in cleared.delivery_failures[0]
        [alert] = store.listed(engine, "churn", store.RESOLVED)
        assert [(d["event"], d["ok"]) for d in alert.deliveries] == [("raised", True), ("resolved", False)]
        still_failing = check(app, rule)
        assert not still_failing.ok and "answered HTTP 503" in still_failing.delivery_failures[0]
        hook.status = 200
        retried = check(app, rule)
        assert retried.ok and retried.resolved == []
        assert [p["json"]["event"] for p in hook.posts] == ["raised", "resolved", "resolved", "resolved"]
        last = hook.posts[-1]["json"]
        assert (last["alert_id"], last["status"]) == (alert.id, "resolved")
        check(app, rule)
        assert len(hook.posts) == 4, "once delivered, the resolved notice is not repeated"
    [done] = store.listed(engine, "churn")
    assert [(d["event"], d["ok"]) for d in done.deliveries] == [
        ("raised", True),
        ("resolved", False),
        ("resolved", False),
        ("resolved", True),
    ]


def test_chk007_resolved_notices_older_than_the_retry_days_are_left_alone(app) -> None:
    steady_and_shifted_history(app)
    engine = services_of(app).engine
    with webhook_receiver() as hook:
        rule = dataclasses.replace(DRIFT, deliveries=(Delivery("webhook", hook.url),))
        check(app, rule, NOW - dt.timedelta(days=15))
        hook.status = 500
        check(app, rule)
        [alert] = store.listed(engine, "churn", store.RESOLVED)
        store.update(engine, alert.id, resolved_at=store.now() - dt.timedelta(days=8))
        hook.status = 200
        later = check(app, rule)
        assert later.ok and len(hook.posts) == 2, "a week-old resolved notice is not retried"
