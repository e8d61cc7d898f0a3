"""POST /api/v1/models/<name>/feedback: stores what fits, names what does not, never a 500."""

from __future__ import annotations

import pytest

from tests.loop.helpers import log_predictions, services_of


def test_fapi001_outcomes_are_stored_and_refusals_named_by_row(app, client) -> None:
    ids, _, predicted, actual = log_predictions(app, rows=2)
    body = {
        "feedback": [
            {"prediction_id": ids[0], "outcome": int(actual[0])},
            {"prediction_id": "0" * 32, "verdict": "correct"},
            {"prediction_id": ids[1], "verdict": "incorrect"},
        ]
    }
    reply = client.post("/api/v1/models/churn/feedback", json=body)
    assert reply.status_code == 200
    assert reply.get_json()["stored"] == 2
    assert reply.get_json()["refused"] == [
        {"row": 2, "field": "prediction_id", "message": f"unknown prediction id '{'0' * 32}'"}
    ]
    latest = services_of(app).feedback.latest("churn").set_index("prediction_id")
    assert set(latest["source"]) == {"api"}
    assert latest.loc[ids[1], "outcome"] == 1 - predicted[1]


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"data": "not json", "content_type": "text/plain"}, 415, "JSON"),
        ({"data": "{", "content_type": "application/json"}, 400, "must be a JSON object"),
        ({"json": {"feedback": []}}, 400, "empty"),
        ({"json": {"feedback": ["x"]}}, 400, "entry 1 is not a JSON object"),
        ({"json": {"feedback": [{"prediction_id": "a", "label": 1}]}}, 400, "unknown field(s) label"),
        ({"json": {"feedback": [{"prediction_id": "a", "verdict": "correct"}]}}, 422, "no entry was stored"),
    ],
)
def test_fapi002_bad_bodies_get_clear_errors(client, kwargs, status, message) -> None:
    reply = client.post("/api/v1/models/churn/feedback", **kwargs)
    assert reply.status_code == status
    assert message in reply.get_json()["error"]["message"]


def test_fapi003_unknown_model_is_404(client) -> None:
    reply = client.post("/api/v1/models/nosuch/feedback", json={"feedback": [{"prediction_id": "a"}]})
    assert reply.status_code == 404
