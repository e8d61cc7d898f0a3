"""Alert rules made from a page: checked like the reports file's, stored whole or not at all, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portal.alerts import rule_store
from portal.alerts.rule_store import Editor, ReadOnly, RuleError
from portal.alerts.rules import FILE, PAGE, parse
from portal.app import create_app
from portal.security import audit
from portal.security.roles import Role
from tests.alerts.helpers import services_of

ANA = Editor("ana@example.com", Role.ANALYST)
DRIFT = {
    "title": "Churn inputs drift",
    "model": "churn",
    "window": "30d",
    "dataset_drift": True,
    "schedule": "0 * * * *",
    "timezone": "UTC",
    "deliver": [{"email": {"to": ["ana@example.com"]}}],
}
FILE_RULE = {"name": "churn-watch", "title": "Churn watch", "model": "churn", "dataset_drift": True}


@pytest.fixture()
def portal(make_settings, data_dir: Path):
    """An app whose reports file holds one alert rule, ``churn-watch``."""
    path = data_dir / "reports.yaml"
    path.write_text(yaml.safe_dump({"alerts": [FILE_RULE]}))
    app = create_app(make_settings(PORTAL_REPORTS_FILE=str(path)))
    yield services_of(app)
    services_of(app).prediction_log.stop()


def save(services, raw: dict, editor: Editor = ANA):
    return rule_store.save(services.settings, services.engine, services.registry, raw, editor)


def refused(services, raw: dict, editor: Editor = ANA) -> list[tuple[str, str]]:
    """The problems of a refused rule; nothing of it may be stored or audited."""
    before = len(audit.recent(services.engine))
    with pytest.raises(RuleError) as caught:
        save(services, raw, editor)
    assert rule_store.listing(services.engine) == []
    assert len(audit.recent(services.engine)) == before
    return caught.value.problems


def test_ars001_a_drift_rule_is_stored_listed_beside_the_file_rule_and_audited(portal) -> None:
    stored = save(portal, DRIFT)
    assert (stored.name, stored.source, stored.owner, stored.paused) == (
        "churn-inputs-drift",
        PAGE,
        "ana@example.com",
        False,
    )
    assert stored.rule.window_days == 30 and stored.rule.deliveries[0].recipients == ("ana@example.com",)
    listed = rule_store.rules_on_model(portal.settings, portal.engine, "churn")
    assert [(s.name, s.source) for s in listed] == [("churn-watch", FILE), ("churn-inputs-drift", PAGE)]
    rules = rule_store.all_rules(portal.settings, portal.engine)
    assert {name: rule.source for name, rule in rules.items()} == {
        "churn-watch": FILE,
        "churn-inputs-drift": PAGE,
    }
    [entry] = [e for e in audit.recent(portal.engine) if e.action == "alert_rule.create"]
    assert entry.actor == "ana@example.com" and entry.target == "churn-inputs-drift"
    assert entry.details["watches"] == ["dataset drift"]


def test_ars002_feature_and_relative_drop_rules_read_back_as_saved(portal) -> None:
    feature = save(
        portal, {**DRIFT, "title": "Tenure drifts", "dataset_drift": False, "feature_drift": "tenure_months"}
    )
    assert feature.rule.feature_drift == "tenure_months" and not feature.rule.dataset_drift
    drop = save(
        portal,
        {
            **DRIFT,
            "title": "AUC drops",
            "dataset_drift": False,
            "performance_drop": {"metric": "roc_auc", "by": "7%", "min_labels": 40},
            "deliver": [{"webhook": {"url": "https://hooks.slack.com/services/x", "style": "slack"}}],
        },
    )
    again = rule_store.get(portal.engine, drop.name).rule
    assert again.performance_drop.by == pytest.approx(0.07) and again.performance_drop.relative
    assert again.performance_drop.min_labels == 40 and again.deliveries[0].style == "slack"
    assert again.watches() == ["roc_auc worse than reference by more than 7%"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"performance_drop": {"metric": "roc_auc", "by": "-5"}},
            "performance_drop.by",
            "expected a positive number or a percentage such as '10%', not '-5'",
        ),
        (
            {"performance_drop": {"metric": "roc_auc", "by": "150%"}},
            "performance_drop.by",
            "expected a positive number or a percentage",
        ),
        (
            {"performance_drop": {"metric": "roc_auc", "by": 0.05, "min_labels": 0}},
            "performance_drop.min_labels",
            "expected a whole number from 1 to 10000000, not 0",
        ),
        ({"performance_drop": {"metric": "speed", "by": 0.1}}, "performance_drop.metric", "not 'speed'"),
        (
            {"performance_drop": {"metric": "rmse", "by": 0.1}},
            "performance_drop.metric",
            "churn v1 has no reference rmse to compare with (its metrics: accuracy,",
        ),
        ({"feature_drift": "shoe_size"}, "feature_drift", "churn has no input feature 'shoe_size'"),
        (
            {"feature_drift": "customer_id"},
            "feature_drift",
            "no input feature 'customer_id' that drift is tested",
        ),
        (
            {"deliver": [{"email": {"to": ["ana at example"]}}]},
            "deliver[0].email.to",
            "'ana at example' is not an email address",
        ),
        (
            {"deliver": [{"webhook": {"url": "ftp://hooks.example.com/x"}}]},
            "deliver[0].webhook.url",
            "expected an http:// or https:// URL",
        ),
        ({"deliver": []}, "deliver", "add at least one: email addresses, or a webhook"),
        ({"deliver": [{"directory": "/tmp/x"}]}, "deliver[0]", "only admins may deliver to a directory"),
        ({"model": "nosuch"}, "model", "no registered model named 'nosuch' (models: churn, revenue)"),
        ({"window": "2w"}, "window", "expected one of 7d, 30d, 90d (the Drift page's windows), not '2w'"),
        ({"title": "Churn watch"}, "name", "'churn-watch' already exists in the reports file (read-only)"),
        ({"title": ""}, "title", "expected text of 1 to 200 characters"),
        ({"title": "!!!"}, "title", "needs a letter or a digit"),
        ({"schedule": "every hour"}, "schedule", "expected a 5-field cron expression"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
        ({"dataset_drift": False}, "dataset_drift", "needs dataset_drift: true, a feature_drift"),
    ],
)
def test_ars003_every_kind_of_bad_input_is_named_by_field_and_nothing_is_saved(
    portal, change: dict, field: str, message: str
) -> None:
    problems = refused(portal, {**DRIFT, **change})
    assert any(f == field and message in m for f, m in problems), problems


def test_ars004_a_second_rule_of_the_same_title_and_a_viewer_are_refused(portal) -> None:
    save(portal, DRIFT)
    with pytest.raises(RuleError) as caught:
        save(portal, DRIFT)
    assert caught.value.problems == [
        ("name", "an alert rule named 'churn-inputs-drift' already exists; choose another title")
    ]
    rule_store.delete(portal.settings, portal.engine, "churn-inputs-drift", ANA)
    problems = refused(portal, DRIFT, Editor("vic@example.com", Role.VIEWER))
    assert problems == [("role", "alert rules need the analyst role; you are viewer")]


def test_ars005_recipients_outside_the_allowed_domains_are_refused(make_settings) -> None:
    app = create_app(make_settings(PORTAL_REPORT_RECIPIENT_DOMAINS="example.com"))
    services = services_of(app)
    try:
        problems = refused(services, {**DRIFT, "deliver": [{"email": {"to": ["eve@elsewhere.org"]}}]})
    finally:
        services.prediction_log.stop()
    assert problems == [
        ("deliver[0].email.to", "eve@elsewhere.org is outside the allowed recipient domains (example.com)")
    ]


def test_ars006_pause_resume_and_delete_are_the_owners_and_audited(portal) -> None:
    name = save(portal, DRIFT).name
    other = Editor("bob@example.com", Role.ANALYST)
    with pytest.raises(rule_store.NotFound):
        rule_store.set_paused(portal.settings, portal.engine, name, True, other)
    paused = rule_store.set_paused(portal.settings, portal.engine, name, True, ANA)
    assert paused.paused and name not in rule_store.all_rules(portal.settings, portal.engine)
    assert rule_store.rules_on_model(portal.settings, portal.engine, "churn")[1].paused
    rule_store.set_paused(portal.settings, portal.engine, name, False, Editor("root", Role.ADMIN))
    assert name in rule_store.all_rules(portal.settings, portal.engine)
    rule_store.delete(portal.settings, portal.engine, name, ANA)
    assert rule_store.listing(portal.engine) == []
    actions = [e.action for e in audit.recent(portal.engine) if e.target == name]
    assert sorted(actions) == sorted(
        ["alert_rule.create", "alert_rule.pause", "alert_rule.resume", "alert_rule.delete"]
    )


def test_ars007_file_rules_are_read_only(portal) -> None:
    with pytest.raises(ReadOnly, match="defined in the reports file; change it there"):
        rule_store.set_paused(portal.settings, portal.engine, "churn-watch", True, Editor("root", Role.ADMIN))
    with pytest.raises(ReadOnly):
        rule_store.delete(portal.settings, portal.engine, "churn-watch", Editor("root", Role.ADMIN))


def test_ars008_the_reports_file_accepts_feature_drift_too() -> None:
    rules = parse(
        yaml.safe_dump({"alerts": [{**FILE_RULE, "dataset_drift": False, "feature_drift": "plan"}]})
    )
    assert rules["churn-watch"].feature_drift == "plan" and rules["churn-watch"].watches() == [
        "plan drifting"
    ]
    with pytest.raises(
        Exception, match="feature_drift: expected the name of one of the model's input features"
    ):
        parse(yaml.safe_dump({"alerts": [{**FILE_RULE, "feature_drift": 3}]}))


def test_ars009_every_problem_is_listed_at_once(portal) -> None:
    problems = refused(
        portal,
        {
            **DRIFT,
            "title": "Churn watch",
            "feature_drift": "shoe_size",
            "deliver": [{"email": {"to": ["nobody"]}}, {"webhook": {"url": "ftp://x.example.com/"}}],
        },
    )
    assert [field for field, _message in problems] == [
        "deliver[0].email.to",
        "deliver[1].webhook.url",
        "name",
        "feature_drift",
    ]


def test_ars010_an_update_is_checked_like_a_new_rule_and_keeps_name_owner_and_pause(portal) -> None:
    name = save(portal, DRIFT).name
    rule_store.set_paused(portal.settings, portal.engine, name, True, ANA)
    changed = {**DRIFT, "title": "Renamed title", "window": "90d", "feature_drift": "plan"}
    stored = rule_store.update(portal.settings, portal.engine, portal.registry, name, changed, ANA)
    assert (stored.name, stored.rule.title, stored.rule.window, stored.paused, stored.owner) == (
        name,
        "Renamed title",
        "90d",
        True,
        "ana@example.com",
    )
    assert stored.rule.watches() == ["dataset drift", "plan drifting"]
    with pytest.raises(RuleError) as caught:
        rule_store.update(
            portal.settings, portal.engine, portal.registry, name, {**changed, "window": "1y"}, ANA
        )
    assert caught.value.problems[0][0] == "window"
    assert rule_store.get(portal.engine, name).rule.window == "90d", "a refused update changes nothing"
    with pytest.raises(ReadOnly):
        rule_store.update(portal.settings, portal.engine, portal.registry, "churn-watch", DRIFT, ANA)
    with pytest.raises(rule_store.NotFound):
        rule_store.update(
            portal.settings, portal.engine, portal.registry, name, DRIFT, Editor("bob", Role.ANALYST)
        )
    assert "alert_rule.update" in [e.action for e in audit.recent(portal.engine) if e.target == name]


def test_ars011_a_page_rule_may_watch_an_estimated_metric_the_task_has(portal) -> None:
    problems = refused(
        portal,
        {
            **DRIFT,
            "title": "Estimated MAE rises",
            "dataset_drift": False,
            "performance_drop": {"metric": "estimated_mae", "by": 3},
        },
    )
    assert any(
        field == "performance_drop.metric"
        and "has no estimated_mae; expected one of estimated_accuracy" in text
        for field, text in problems
    ), problems
    stored = save(
        portal,
        {
            **DRIFT,
            "title": "Estimated accuracy drops",
            "dataset_drift": False,
            "performance_drop": {"metric": "estimated_accuracy", "by": "5%"},
        },
    )
    assert stored.rule.watches() == ["estimated_accuracy worse than reference by more than 5%"]
