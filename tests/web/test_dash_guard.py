"""Malformed Dash callback requests get a 400 with a reason, never a 500."""

from __future__ import annotations

import pytest

GOOD = {
    "output": "home-status.children",
    "outputs": {"id": "home-status", "property": "children"},
    "inputs": [{"id": "home-refresh", "property": "n_intervals", "value": 1}],
    "changedPropIds": ["home-refresh.n_intervals"],
}


def test_dgd001_a_well_formed_request_still_works(client) -> None:
    assert client.post("/_dash-update-component", json=GOOD).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "JSON object"),
        ({"inputs": []}, "names no output"),
        ({**GOOD, "output": "nothing.here"}, "no callback produces"),
        ({**GOOD, "inputs": []}, "carries 0 inputs values where the callback takes 1"),
        ({**GOOD, "inputs": "x"}, "must be a list"),
        ({**GOOD, "inputs": [5]}, "malformed"),
        ({**GOOD, "state": [{"id": "x", "property": "y"}]}, "carries 1 state values"),
    ],
)
def test_dgd002_malformed_requests_are_400_with_a_reason(client, body, message: str) -> None:
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_dgd003_not_json_is_400(client) -> None:
    response = client.post("/_dash-update-component", data="output=x", content_type="text/plain")
    assert response.status_code == 400
