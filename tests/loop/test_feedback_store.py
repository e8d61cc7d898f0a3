"""Feedback storage: typed outcomes, verdict rules per task, latest wins, and each class of bad input."""

from __future__ import annotations

import pytest

from portal.feedback.store import FeedbackError, FeedbackItem
from tests.loop.helpers import log_predictions, services_of


def test_fbk001_binary_incorrect_implies_the_other_class_and_latest_wins(app) -> None:
    store = services_of(app).feedback
    ids, _, predicted, _ = log_predictions(app, rows=3)
    store.submit_one("churn", ids[0], verdict="incorrect")
    store.submit_one("churn", ids[1], outcome=str(predicted[1]))
    latest = store.latest("churn").set_index("prediction_id")
    assert latest.loc[ids[0], "outcome"] == 1 - predicted[0]
    assert latest.loc[ids[1], "verdict"] == "correct" and latest.loc[ids[1], "outcome"] == predicted[1]
    store.submit_one("churn", ids[0], verdict="correct")
    latest = store.latest("churn").set_index("prediction_id")
    assert latest.loc[ids[0], "verdict"] == "correct" and latest.loc[ids[0], "outcome"] == predicted[0]
    history = store.history(ids[0])
    assert list(history["verdict"]) == ["incorrect", "correct"], "earlier feedback is kept as history"
    assert set(history["user_name"]) == {"anonymous"} and set(history["source"]) == {"page"}


def test_fbk002_regressor_takes_numbers_and_needs_an_outcome(app) -> None:
    store = services_of(app).feedback
    ids, *_ = log_predictions(app, model="revenue", rows=2)
    store.submit_one("revenue", ids[0], outcome="123.5")
    assert store.latest("revenue").set_index("prediction_id").loc[ids[0], "outcome"] == 123.5
    with pytest.raises(FeedbackError, match="needs the true outcome"):
        store.submit_one("revenue", ids[1], verdict="incorrect")
    with pytest.raises(FeedbackError, match="is not a number"):
        store.submit_one("revenue", ids[1], outcome="lots")
    with pytest.raises(FeedbackError, match="finite"):
        store.submit_one("revenue", ids[1], outcome="inf")


@pytest.mark.parametrize(
    ("item", "column", "message"),
    [
        (FeedbackItem("0" * 32, verdict="correct"), "prediction_id", "unknown prediction id"),
        (FeedbackItem("", verdict="correct"), "prediction_id", "empty"),
        (FeedbackItem("{id}", outcome="maybe"), "outcome", "not a class of this model; use one of: 0, 1"),
        (FeedbackItem("{id}", verdict="perhaps"), "verdict", "not a verdict"),
        (FeedbackItem("{id}"), "outcome", "give the true outcome"),
        (
            FeedbackItem("{revenue}", verdict="correct"),
            "prediction_id",
            "made by model 'revenue', not 'churn'",
        ),
        (FeedbackItem("{id}", outcome="{other}", verdict="correct"), "verdict", "contradicts"),
    ],
)
def test_fbk003_bad_feedback_is_refused_per_row_and_nothing_else_is_lost(app, item, column, message) -> None:
    store = services_of(app).feedback
    ids, _, predicted, _ = log_predictions(app, rows=2)
    revenue_ids, *_ = log_predictions(app, model="revenue", rows=1)
    values = {"id": ids[0], "revenue": revenue_ids[0], "other": str(1 - predicted[0])}
    bad = FeedbackItem(
        item.prediction_id.format(**values),
        None if item.outcome is None else item.outcome.format(**values),
        item.verdict,
        row=2,
    )
    good = FeedbackItem(ids[1], verdict="correct", row=3)
    result = store.submit("churn", [bad, good], source="csv")
    assert result.stored == 1
    assert [(p.row, p.column) for p in result.problems] == [(2, column)]
    assert message in result.problems[0].message
    assert list(store.latest("churn")["prediction_id"]) == [ids[1]]
