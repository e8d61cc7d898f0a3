"""performance_drop on an estimated metric: judged from logged outputs alone, no labels needed."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from portal.alerts.evaluate import RuleMismatch, evaluate
from portal.alerts.rules import AlertRule, PerformanceDrop, parse
from portal.reports.fields import DefinitionError
from tests.conftest import DEMO_HISTORY_END
from tests.support.estimated_history import history_app, history_dir  # noqa: F401 (fixtures)


def _rule(metric: str, by: float, model: str = "churn") -> AlertRule:
    return AlertRule("est", "Estimated", model, window_days=30, performance_drop=PerformanceDrop(metric, by))


def _evaluate(app, rule: AlertRule, now: dt.datetime = DEMO_HISTORY_END):
    services = app.server.extensions["portal.services"]
    return evaluate(services.settings, services.engine, services.registry, rule, now)[1][0]


def test_esa001_estimated_accuracy_drop_fires_without_labels(history_app) -> None:  # noqa: F811
    # The last 30 days are shifted months: estimated accuracy about 0.74 against about 0.82.
    fired = _evaluate(history_app, _rule("estimated_accuracy", 0.05))
    assert fired.firing is True and fired.details["rows"] > 1500
    assert fired.details["estimated"] < fired.details["reference"] - 0.05
    assert (
        fired.summary.startswith("Estimated accuracy of churn v1 dropped:") and "no labels" in fired.summary
    )
    holds = _evaluate(history_app, _rule("estimated_accuracy", 0.2))
    assert holds.firing is False and "holds" in holds.summary
    errors = _evaluate(history_app, _rule("estimated_mae", 0.5, model="revenue"))
    assert errors.firing is not None and errors.details["estimated"] > 0


def test_esa002_too_few_rows_or_a_metric_of_another_task(history_app) -> None:  # noqa: F811
    early = _evaluate(
        history_app, _rule("estimated_roc_auc", 0.05), DEMO_HISTORY_END - dt.timedelta(days=200)
    )
    assert early.firing is None and "0 logged rows" in early.summary
    with pytest.raises(RuleMismatch, match="estimated_accuracy"):
        _evaluate(history_app, _rule("estimated_rmse", 0.1))


def test_esa003_rules_accept_estimated_metrics_by_name() -> None:
    good = {
        "name": "w",
        "title": "W",
        "model": "churn",
        "performance_drop": {"metric": "estimated_f1", "by": 0.1},
    }
    assert parse(yaml.safe_dump({"alerts": [good]}))["w"].performance_drop.metric == "estimated_f1"
    bad = {**good, "performance_drop": {"metric": "estimated_auc", "by": 0.1}}
    with pytest.raises(DefinitionError, match="estimated_accuracy"):
        parse(yaml.safe_dump({"alerts": [bad]}))
