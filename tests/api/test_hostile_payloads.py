"""Hostile payloads get a 4xx that says what is wrong, fast, and never a 500.

Each class here answered 500, or held a worker for minutes, before it was bounded.
"""

from __future__ import annotations

import pytest

from tests.api.test_predict_api import reference_records

NESTED = "[" * 100_000 + "]" * 100_000


def _record(data_dir, **changes):
    record = reference_records(data_dir, "churn", rows=1)[1][0]
    record.update(changes)
    return record


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/models/churn/predict",
        "/api/v1/models/churn/feedback",
        "/api/v1/embed-tokens",
        "/_dash-update-component",
    ],
)
def test_host001_deeply_nested_json_is_a_400_everywhere(client, path) -> None:
    reply = client.post(path, data=NESTED, content_type="application/json")
    assert reply.status_code == 400, reply.get_data(as_text=True)[:300]
    assert reply.get_json()["error"]["status"] == 400


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tenure_months", 10**400, "is too large a number (401 digits)"),
        ("tenure_months", -(10**400), "is too large a number"),
        ("signup_date", "0001-01-01", "is outside the dates the model takes"),
        ("signup_date", "1500-01-01", "is outside the dates the model takes"),
        ("signup_date", "1677-09-21", "is outside the dates the model takes"),
        ("signup_date", "2263-01-01", "is outside the dates the model takes"),
        ("signup_date", "x" * 10_000_000, "is 10,000,000 characters long; an ISO date has at most 64"),
        ("signup_date", "2024-01-01" + " " * 100, "an ISO date has at most 64"),
        ("contract", "y" * 5_000_000, "is 5,000,000 characters long; at most 2,000 are accepted"),
    ],
    ids=[
        "huge-int",
        "huge-negative-int",
        "year-1",
        "year-1500",
        "before-ns-range",
        "after-ns-range",
        "ten-million-char-date",
        "padded-date",
        "five-million-char-category",
    ],
)
def test_host002_values_past_what_the_model_can_take_are_a_422(
    client, data_dir, field, value, message
) -> None:
    reply = client.post(
        "/api/v1/models/churn/predict", json={"records": [_record(data_dir, **{field: value})]}
    )
    assert reply.status_code == 422, reply.get_data(as_text=True)[:300]
    [detail] = reply.get_json()["error"]["details"]
    assert detail["field"] == field and message in detail["message"]
    assert len(detail["message"]) < 300, "the message never echoes the whole value back"


@pytest.mark.parametrize("version", [10**4000, 10**10, 0, -3])
def test_host003_absurd_versions_are_not_paths_to_look_up(client, data_dir, version) -> None:
    reply = client.post(
        "/api/v1/models/churn/predict", json={"records": [_record(data_dir)], "version": version}
    )
    assert reply.status_code in (400, 404)
    assert len(reply.get_json()["error"]["message"]) < 300


@pytest.mark.parametrize("method", ["GET", "TRACE", "DELETE", "PUT"])
def test_host004_a_method_a_route_does_not_take_is_a_405_that_lists_the_right_ones(client, method) -> None:
    reply = client.open("/api/v1/embed-tokens", method=method)
    assert reply.status_code == 405
    assert reply.headers["Allow"] == "POST, OPTIONS"
    assert reply.get_json()["error"]["status"] == 405
    options = client.open("/api/v1/models/churn/predict", method="OPTIONS")
    assert options.headers["Allow"] == "POST, OPTIONS", "Dash's GET on every path is not an API method"
