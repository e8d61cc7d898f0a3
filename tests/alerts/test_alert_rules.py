"""The ``alerts`` section of the reports file: good rules load, every kind of mistake is named."""

from __future__ import annotations

import pytest
import yaml

from portal.alerts.rules import PerformanceDrop, parse
from portal.reports import definitions
from portal.reports.fields import DefinitionError

GOOD = {
    "name": "churn-watch",
    "title": "Churn watch",
    "model": "churn",
    "window": "30d",
    "min_rows": 200,
    "dataset_drift": True,
    "performance_drop": {"metric": "roc_auc", "by": "10%", "min_labels": 25},
    "schedule": "0 * * * *",
    "timezone": "Europe/Berlin",
    "deliver": [{"webhook": {"url": "http://127.0.0.1:9/hook", "style": "slack"}}],
}


def text(*alerts: dict, reports: list | None = None) -> str:
    document: dict = {"alerts": list(alerts)}
    if reports is not None:
        document["reports"] = reports
    return yaml.safe_dump(document)


def test_alr001_a_full_rule_loads_with_every_field() -> None:
    rule = parse(text(GOOD))["churn-watch"]
    assert (rule.model, rule.window_days, rule.window, rule.min_rows) == ("churn", 30, "30d", 200)
    assert rule.dataset_drift and rule.schedule == "0 * * * *" and rule.timezone == "Europe/Berlin"
    assert rule.performance_drop == PerformanceDrop("roc_auc", 0.10, relative=True, min_labels=25)
    assert rule.deliveries[0].kind == "webhook" and rule.deliveries[0].style == "slack"


def test_alr002_reports_and_alerts_share_one_file_without_seeing_each_other() -> None:
    report = {"name": "weekly", "pages": ["/overview"]}
    both = text(GOOD, reports=[report])
    assert list(definitions.parse(both, "http://127.0.0.1:8050")) == ["weekly"]
    assert list(parse(both)) == ["churn-watch"]
    assert parse(yaml.safe_dump({"reports": [report]})) == {}


def test_alr003_drop_direction_follows_the_metric() -> None:
    auc = PerformanceDrop("roc_auc", 0.05)
    assert auc.worsening(0.90, 0.80) == pytest.approx(0.10)
    rmse = PerformanceDrop("rmse", 0.10, relative=True)
    assert rmse.worsening(100.0, 125.0) == pytest.approx(25.0) and rmse.limit(100.0) == pytest.approx(10.0)
    assert rmse.worsening(100.0, 80.0) < 0, "a better RMSE is never a drop"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "alert 'churn-watch': colour: unknown field"),
        ({"name": "Churn Watch"}, "name: required: lower-case letters"),
        ({"model": None}, "model: required: the name of a registered model"),
        ({"model": "../etc"}, "model: required: the name of a registered model"),
        ({"window": "14d"}, "window: expected one of 7d, 30d, 90d"),
        ({"window": 7}, "window: expected one of 7d, 30d, 90d"),
        ({"min_rows": 0}, "min_rows: expected a whole number from 1"),
        ({"min_rows": "100"}, "min_rows: expected a whole number from 1"),
        ({"dataset_drift": "yes please"}, "dataset_drift: expected true or false"),
        ({"dataset_drift": False, "performance_drop": None}, "a rule needs dataset_drift: true"),
        ({"performance_drop": {"metric": "auc", "by": 0.1}}, "performance_drop.metric: expected one of"),
        ({"performance_drop": {"metric": "f1", "by": 0}}, "performance_drop.by: expected a positive number"),
        ({"performance_drop": {"metric": "f1", "by": True}}, "performance_drop.by: expected a positive"),
        ({"performance_drop": {"metric": "f1", "by": "150%"}}, "performance_drop.by: expected a positive"),
        ({"performance_drop": {"metric": "f1", "by": "ten%"}}, "performance_drop.by: expected a positive"),
        (
            {"performance_drop": {"metric": "f1", "by": 0.1, "after": 3}},
            "performance_drop: expected a mapping",
        ),
        ({"performance_drop": {"metric": "f1", "by": 0.1, "min_labels": -1}}, "min_labels: expected a whole"),
        ({"schedule": "every hour"}, "schedule: expected a 5-field cron expression"),
        ({"schedule": "61 * * * *"}, "schedule: '61 * * * *' is not a valid cron expression"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown time zone 'Mars/Olympus'"),
        ({"deliver": [{"pigeon": "roof"}]}, "deliver[0]: unknown delivery 'pigeon'"),
        ({"deliver": [{"webhook": {"url": "ftp://x"}}]}, "deliver[0].webhook.url: expected an http://"),
        ({"deliver": [{"email": {"to": "not an address"}}]}, "deliver[0].email.to: 'not an address' is not"),
    ],
)
def test_alr004_each_mistake_names_the_rule_and_field(change: dict, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse(text({**GOOD, **change}))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("alerts: [\n", "not valid YAML"),
        ("alerts: {name: x}\n", "alerts: expected a list of alerts"),
        ("alarms: []\n", "expected a mapping with the keys 'reports' and/or 'alerts'"),
        ("alerts: [42]\n", "alert #1: expected a mapping"),
    ],
)
def test_alr005_a_malformed_file_is_refused_with_a_reason(document: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message.replace("[", r"\[")):
        parse(document)


def test_alr006_two_rules_with_one_name_are_refused() -> None:
    with pytest.raises(DefinitionError, match="another alert already has this name"):
        parse(text(GOOD, GOOD))


def test_alr007_the_example_file_holds_valid_rules() -> None:
    from portal.alerts.rules import load_file
    from tests.support.servers import PROJECT_ROOT

    rule = load_file(PROJECT_ROOT / "reports.example.yaml")["churn-watch"]
    assert rule.dataset_drift and rule.performance_drop.metric == "roc_auc" and rule.window == "7d"
