"""Live performance follows feedback: marking predictions incorrect lowers accuracy by exactly their share."""

from __future__ import annotations

import pytest

from callbacks.performance_live import labelled, live_scored
from models import live
from portal.feedback.store import FeedbackItem
from tests.loop.helpers import log_predictions, services_of


def test_liv001_marking_n_predictions_incorrect_lowers_accuracy_by_n_over_labelled(app) -> None:
    services = services_of(app)
    ids, _, predicted, _ = log_predictions(app, rows=40)
    services.feedback.submit("churn", [FeedbackItem(pid, verdict="correct") for pid in ids[:20]], "page")
    record, rows = labelled(services, "churn", None)
    assert rows.logged == 40 and rows.coverage == pytest.approx(0.5)
    assert live.live_metrics(rows.meta, record)["accuracy"] == 1.0
    services.feedback.submit("churn", [FeedbackItem(pid, verdict="incorrect") for pid in ids[:5]], "csv")
    scored = live_scored(services, "churn", None)
    assert scored.metrics["accuracy"] == pytest.approx(15 / 20)
    assert scored.rows == 20, "binary verdicts give labels, so all 20 rows feed the charts"
    assert list(scored.actual[:5]) == [1 - p for p in predicted[:5]]
    table = live.metrics_over_time(rows.meta, rows.logged_per_day, record, "week")
    assert table["logged"].sum() == 40
    _, rows = labelled(services, "churn", None)
    day = live.metrics_over_time(rows.meta, rows.logged_per_day, record, "day").iloc[-1]
    assert day["with_feedback"] == 20 and day["coverage"] == pytest.approx(0.5)
    assert day["accuracy"] == pytest.approx(0.75)


def test_liv002_regressor_live_errors_follow_the_given_outcomes(app) -> None:
    services = services_of(app)
    ids, _, predicted, _ = log_predictions(app, model="revenue", rows=4)
    items = [FeedbackItem(pid, float(p) + 10.0) for pid, p in zip(ids, predicted, strict=True)]
    services.feedback.submit("revenue", items, "csv")
    scored = live_scored(services, "revenue", None)
    assert scored.metrics["mae"] == pytest.approx(10.0) and scored.rows == 4


def test_liv003_predictions_without_feedback_give_no_labelled_rows(app) -> None:
    log_predictions(app, rows=3)
    scored = live_scored(services_of(app), "churn", 1)
    assert scored.rows == 0
    with pytest.raises(ValueError, match="period"):
        rows = labelled(services_of(app), "churn", None)[1]
        live.metrics_over_time(rows.meta, rows.logged_per_day, scored_record(app), "month")


def scored_record(app):
    return services_of(app).registry.get("churn")
