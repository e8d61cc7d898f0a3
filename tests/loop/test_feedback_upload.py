"""Feedback files: keyed by prediction id or record id, per-row reports, and no failure for a bad file."""

from __future__ import annotations

import pytest

from portal.feedback.upload import upload_feedback
from tests.loop.helpers import log_predictions, services_of


def _upload(app, content: bytes, filename: str = "outcomes.csv", model: str = "churn"):
    services = services_of(app)
    record = services.registry.get(model)
    return upload_feedback(services.feedback, services.engine, record, content, filename)


def test_fup001_prediction_ids_and_record_ids_both_store_feedback(app) -> None:
    ids, reference, predicted, actual = log_predictions(app, rows=4)
    lines = ["prediction_id,outcome", f"{ids[0]},{actual[0]}", f"{ids[1]},{actual[1]}"]
    outcome = _upload(app, "\n".join(lines).encode())
    assert outcome.file_error is None and outcome.result.stored == 2 and not outcome.problems
    by_record = ["customer_id,verdict", f"{reference['customer_id'][2]},incorrect", "NOPE-1,correct"]
    outcome = _upload(app, "\n".join(by_record).encode())
    assert outcome.result.stored == 1
    assert [(p.row, p.column) for p in outcome.problems] == [(2, "customer_id")]
    assert "no logged prediction of churn for record 'NOPE-1'" in outcome.problems[0].message
    latest = services_of(app).feedback.latest("churn").set_index("prediction_id")
    assert latest.loc[ids[2], "verdict"] == "incorrect" and latest.loc[ids[2], "outcome"] == 1 - predicted[2]
    assert latest.loc[ids[0], "outcome"] == actual[0]


BAD_FILES = [
    (b"", "outcomes.csv", "empty"),
    (b"prediction_id,outcome\n", "outcomes.csv", "no data rows"),
    ("prediction_id,outcome\n".encode("utf-16"), "outcomes.csv", "no data rows"),  # UTF-16 is read
    ("prediction_id,outcome\n".encode("utf-16-le"), "outcomes.csv", "without a byte-order mark"),
    (b"prediction_id,outcome\nabc,\xe9t\xe9\n", "outcomes.csv", "not UTF-8"),
    (b"PK\x03\x04 not really a zip", "outcomes.csv", "ZIP or Excel"),
    (b"id,value\n1,2\n", "outcomes.csv", "No key column"),
    (b"prediction_id,comment\nabc,hello\n", "outcomes.csv", "No feedback column"),
    (b'prediction_id,outcome\n"abc,1\n', "outcomes.csv", "quote"),
    (b"prediction_id,outcome\n", "outcomes.pdf", "Unsupported file type"),
    (b"prediction_id,,outcome\nabc,x,1\n", "outcomes.csv", "has no name"),
]


@pytest.mark.parametrize(("content", "filename", "message"), BAD_FILES)
def test_fup002_unreadable_files_say_why_and_store_nothing(app, content, filename, message) -> None:
    outcome = _upload(app, content, filename)
    assert outcome.result is None
    assert message in outcome.file_error
    assert services_of(app).feedback.latest("churn").empty


def test_fup003_bad_rows_are_reported_by_row_and_column(app) -> None:
    ids, *_ = log_predictions(app, rows=3)
    revenue_ids, *_ = log_predictions(app, model="revenue", rows=1)
    lines = [
        "prediction_id;outcome;verdict",
        f"{ids[0]};1;",
        "ffffffffffffffffffffffffffffffff;1;",
        f"{ids[1]};banana;",
        f"{ids[2]};;maybe",
        f"{revenue_ids[0]};1;",
        ";1;",
    ]
    outcome = _upload(app, "\n".join(lines).encode())
    assert outcome.result.stored == 1
    assert [(p.row, p.column) for p in outcome.problems] == [
        (2, "prediction_id"),
        (3, "outcome"),
        (4, "verdict"),
        (5, "prediction_id"),
        (6, "prediction_id"),
    ]
    assert "not a class of this model" in outcome.problems[1].message
    assert outcome.result.summary().startswith("Stored feedback for 1 prediction")
