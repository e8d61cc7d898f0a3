"""A rule made from a page fires through the normal check and the scheduler, delivered like a file rule."""

from __future__ import annotations

import datetime as dt

from portal.alerts import rule_store, store
from portal.alerts.check import check_rule
from portal.alerts.rule_store import Editor
from portal.alerts.rules import AlertRule
from portal.scheduler.sources import AlertRulesSource, default_sources
from portal.security.roles import Role
from tests.alerts.helpers import log_at, reference_rows, services_of, shifted
from tests.support.receivers import webhook_receiver

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
ANA = Editor("ana@example.com", Role.ANALYST)


def drifting(app) -> None:
    """300 shifted rows logged yesterday: every input drifts in the last 7 days."""
    record = services_of(app).registry.get("churn")
    log_at(app, shifted(reference_rows(app, 300), record), NOW - dt.timedelta(days=1))


def page_rule(app, hook_url: str, **fields) -> str:
    services = services_of(app)
    raw = {
        "title": "Churn tenure drifts",
        "model": "churn",
        "window": "7d",
        "feature_drift": "tenure_months",
        "dataset_drift": True,
        "schedule": "*/15 * * * *",
        "deliver": [{"webhook": {"url": hook_url, "style": "json"}}],
        **fields,
    }
    return rule_store.save(services.settings, services.engine, services.registry, raw, ANA).name


def test_prc001_a_page_rule_fires_on_drifting_data_and_is_delivered_like_a_file_rule(app) -> None:
    drifting(app)
    services = services_of(app)
    with webhook_receiver() as hook:
        name = page_rule(app, hook.url)
        rule = rule_store.all_rules(services.settings, services.engine)[name]
        outcome = check_rule(services.settings, services.engine, services.registry, rule, now=NOW)
        assert outcome.ok and [(f.kind, f.firing) for f in outcome.findings] == [
            ("dataset_drift", True),
            ("feature_drift", True),
        ]
        feature = outcome.findings[1]
        assert feature.summary.startswith("Feature tenure_months of churn v1 drifted in the last 7 days:")
        assert feature.page == "/drift?model=churn&window=7d&feature=tenure_months"
        assert feature.details["status"] == "drifted" and feature.details["rows"] == 300
        alerts = store.listed(services.engine, "churn", store.OPEN)
        assert sorted((a.rule, a.kind) for a in alerts) == [(name, "dataset_drift"), (name, "feature_drift")]
        bodies = sorted((p["json"]["kind"], p["json"]["rule"], p["json"]["event"]) for p in hook.posts)
        assert bodies == [("dataset_drift", name, "raised"), ("feature_drift", name, "raised")]
        assert all(p["json"]["title"] == "Churn tenure drifts" for p in hook.posts)


def test_prc002_the_scheduler_runs_page_rules_and_a_paused_one_never_fires(app) -> None:
    drifting(app)
    services = services_of(app)
    with webhook_receiver() as hook:
        name = page_rule(app, hook.url, dataset_drift=False)
        paused = page_rule(app, hook.url, title="Paused tenure watch", dataset_drift=False)
        rule_store.set_paused(services.settings, services.engine, paused, True, ANA)
        [source] = [
            s
            for s in default_sources(services.settings, services.engine, services.registry, ["/"])
            if isinstance(s, AlertRulesSource)
        ]
        jobs = source.load()
        assert [job.key for job in jobs] == [f"alert:{name}"] and jobs[0].schedule == "*/15 * * * *"
        result = jobs[0].run()
        assert result.ok and result.detail == "alert check: 1 raised, 0 resolved"
        assert paused not in rule_store.all_rules(services.settings, services.engine)
        assert [a.rule for a in store.listed(services.engine)] == [name]
        assert [p["json"]["rule"] for p in hook.posts] == [name]
        before = source.stamp()
        rule_store.set_paused(services.settings, services.engine, paused, False, ANA)
        assert source.stamp() != before and len(source.load()) == 2


def test_prc003_a_stable_feature_resolves_and_thin_data_decides_nothing(app) -> None:
    services = services_of(app)
    rule = AlertRule("tenure", "Tenure", "churn", window_days=7, feature_drift="tenure_months")
    thin = check_rule(services.settings, services.engine, services.registry, rule, now=NOW)
    assert [f.firing for f in thin.findings] == [None]
    assert "Not enough data: 0 rows, needs 100, in the last 7 days" in thin.findings[0].summary
    log_at(app, reference_rows(app, 300), NOW - dt.timedelta(days=1))
    steady = check_rule(services.settings, services.engine, services.registry, rule, now=NOW)
    assert steady.findings[0].firing is False and "is stable in the last 7 days" in steady.findings[0].summary


def test_prc004_a_file_rule_watching_a_missing_feature_says_so_when_checked(app) -> None:
    services = services_of(app)
    rule = AlertRule("shoes", "Shoes", "churn", feature_drift="shoe_size")
    outcome = check_rule(services.settings, services.engine, services.registry, rule, now=NOW)
    assert outcome.error is not None and "has no input feature 'shoe_size'" in outcome.error
