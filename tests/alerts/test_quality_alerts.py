"""The data_quality condition: parsed with named mistakes, and firing on a missing-share threshold."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from portal.alerts import store
from portal.alerts.check import check_rule
from portal.alerts.quality_rule import QualityCondition
from portal.alerts.rules import AlertRule, parse
from portal.reports.fields import DefinitionError
from tests.alerts.helpers import log_at, reference_rows, services_of
from tests.alerts.test_alert_rules import GOOD, text

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
RULE = AlertRule(
    "churn-inputs",
    "Churn inputs",
    "churn",
    window_days=7,
    data_quality=QualityCondition(None, (("missing_share_above", 0.1),)),
)


def test_dqa001_a_rule_may_watch_data_quality_alone() -> None:
    rule = parse(
        text(
            {
                **GOOD,
                "dataset_drift": False,
                "performance_drop": None,
                "data_quality": {"feature": "plan", "missing_share_above": 0.1, "unseen_share_above": 0.02},
            }
        )
    )["churn-watch"]
    assert rule.data_quality == QualityCondition(
        "plan", (("missing_share_above", 0.1), ("unseen_share_above", 0.02))
    )
    assert rule.data_quality.describe() == "plan: missing above 10.00% or unseen categories above 2.00%"


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"missing": 0.1}, "data_quality: expected a mapping with some of"),
        ([0.1], "data_quality: expected a mapping with some of"),
        ({"feature": "plan"}, "data_quality: give at least one of missing_share_above"),
        ({"missing_share_above": 1.5}, "data_quality.missing_share_above: expected a share from 0"),
        ({"out_of_range_share_above": True}, "data_quality.out_of_range_share_above: expected a share"),
        ({"unseen_share_above": "5%"}, "data_quality.unseen_share_above: expected a share"),
        ({"feature": 3, "missing_share_above": 0.1}, "data_quality.feature: expected a feature name"),
    ],
)
def test_dqa002_each_mistake_is_named(condition, message) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse(text({**GOOD, "data_quality": condition}))
    assert message in str(caught.value)


def test_dqa003_missing_share_over_the_threshold_raises_one_alert(app) -> None:
    services = services_of(app)
    engine = services.engine

    def check(rule: AlertRule):
        return check_rule(services.settings, engine, services.registry, rule, now=NOW)

    empty = check(RULE)
    assert [f.firing for f in empty.findings] == [None]
    assert "Not enough data: 0 rows, needs 100, in the last 7 days" in empty.findings[0].summary
    rows = reference_rows(app, 600).dropna().head(120).reset_index(drop=True)
    rows.loc[:23, "avg_session_minutes"] = np.nan  # 24 of 120 rows: 20% missing
    log_at(app, rows, NOW - dt.timedelta(days=2))

    outcome = check(RULE)
    [finding] = outcome.findings
    assert finding.firing is True and len(outcome.raised) == 1
    assert finding.details["breaches"] == [
        {"feature": "avg_session_minutes", "measure": "missing_share_above", "share": 0.2, "limit": 0.1}
    ]
    [alert] = store.listed(engine, "churn", store.OPEN)
    assert alert.kind == "data_quality" and alert.page == "/drift?model=churn&window=7d"
    assert "avg_session_minutes 20.0% missing" in alert.summary and "120 rows" in alert.summary
    assert check(RULE).raised == [], "an open alert is not raised again"

    lenient = dataclasses.replace(RULE, data_quality=QualityCondition(None, (("missing_share_above", 0.25),)))
    cleared = check(lenient)
    assert cleared.findings[0].firing is False and cleared.resolved == [alert.id]
    other = dataclasses.replace(RULE, data_quality=QualityCondition("plan", (("missing_share_above", 0.1),)))
    assert check(other).findings[0].firing is False, "plan is never missing"
    unknown = dataclasses.replace(
        RULE, data_quality=QualityCondition("colour", (("missing_share_above", 0.1),))
    )
    failed = check(unknown)
    assert not failed.ok and "no checked input 'colour'" in str(failed.error)
