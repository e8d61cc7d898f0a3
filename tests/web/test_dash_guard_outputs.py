"""A callback request whose ``outputs`` disagree with its callback gets a 400 that says so, never a 500.

The browser's bodies (one output, several, pattern-matching ids made concrete, ``@`` suffixes of
duplicate outputs) still reach the callback.
"""

from __future__ import annotations

import copy
from typing import Any

import dash
import pytest
from dash import ALL, MATCH, Input, Output, html

from portal.web.dash_guard import init_dash_guard
from tests.support.dash_requests import outputs_of

URL = "/_dash-update-component"
SINGLE = {
    "output": "home-status.children",
    "outputs": {"id": "home-status", "property": "children"},
    "inputs": [{"id": "home-refresh", "property": "n_intervals", "value": 1}],
    "changedPropIds": ["home-refresh.n_intervals"],
}
MULTI_KEY = "..overview-version.options...overview-version.value.."
MULTI = {
    "output": MULTI_KEY,
    "outputs": outputs_of(MULTI_KEY),
    "inputs": [{"id": "overview-model", "property": "value", "value": "churn"}],
    "state": [{"id": "overview-version", "property": "value", "value": None}],
    "changedPropIds": ["overview-model.value"],
}


def _with(body: dict[str, Any], outputs: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    if outputs is _MISSING:
        del changed["outputs"]
    else:
        changed["outputs"] = outputs
    return changed


_MISSING = object()


def _refused(client, body: dict[str, Any]) -> str:
    response = client.post(URL, json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    return response.get_json()["error"]["message"]


def test_dgo001_the_browsers_single_and_multi_output_bodies_still_run(client) -> None:
    single = client.post(URL, json=SINGLE)
    multi = client.post(URL, json=MULTI)
    assert single.status_code == 200 and "home-status" in single.get_json()["response"]
    assert multi.status_code == 200, multi.get_data(as_text=True)
    assert set(multi.get_json()["response"]["overview-version"]) == {"options", "value"}


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        (_MISSING, "the callback request names no outputs; reload the page"),
        (
            None,
            "the callback request's output home-status.children must be one object with an id and a property",
        ),
        ("home-status.children", "must be one object with an id and a property"),
        ([{"id": "home-status", "property": "children"}], "must be one object with an id and a property"),
        (
            {"id": "home-status"},
            "the callback request's output home-status.children must name an id and a property",
        ),
        ({"property": "children"}, "must name an id and a property"),
        (
            {"id": "home-cards", "property": "children"},
            "output names a component other than home-status.children; reload the page",
        ),
        (
            {"id": "home-status", "property": "style"},
            "names another property where the callback produces home-status.children; reload the page",
        ),
        ({"id": "home-status", "property": 5}, "names another property"),
        (
            {"id": {"type": "home-status"}, "property": "children"},
            "names a component other than home-status.children",
        ),
        (
            {"id": ["home-status"], "property": "children"},
            "names a component other than home-status.children",
        ),
    ],
)
def test_dgo002_wrong_outputs_of_a_single_output_callback_are_400(client, outputs: Any, message: str) -> None:
    assert message in _refused(client, _with(SINGLE, outputs))


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ({"id": "overview-version", "property": "options"}, "must be a list of 2 outputs"),
        ("..overview-version.options...overview-version.value..", "must be a list of 2 outputs"),
        (
            [{"id": "overview-version", "property": "options"}],
            "the callback request names 1 outputs where the callback produces 2; reload the page",
        ),
        ([*outputs_of(MULTI_KEY), {"id": "overview-model", "property": "value"}], "names 3 outputs"),
        (
            [*reversed(outputs_of(MULTI_KEY))],
            "names another property where the callback produces overview-version.options",
        ),
        (
            [{"id": "overview-version", "property": "options"}, {"id": "overview-version"}],
            "must name an id and a property",
        ),
        ([{"id": "overview-version", "property": "options"}, "overview-version.value"], "must be one object"),
        (
            [
                {"id": "overview-model", "property": "options"},
                {"id": "overview-version", "property": "value"},
            ],
            "other than",
        ),
    ],
)
def test_dgo003_wrong_outputs_of_a_multi_output_callback_are_400(client, outputs: Any, message: str) -> None:
    assert message in _refused(client, _with(MULTI, outputs))


def test_dgo004_a_mismatched_outputs_never_gets_a_kept_answer(client) -> None:
    """The Models page's sample prediction is answered from memory; the guard still runs first."""
    body = {
        "output": "models-sample-result.children",
        "outputs": {"id": "models-sample-result", "property": "children"},
        "inputs": [
            {"id": "models-select", "property": "value", "value": "churn"},
            {"id": "models-sample-row", "property": "value", "value": 3},
        ],
        "state": [],
        "changedPropIds": ["models-sample-row.value"],
    }
    kept = client.post(URL, json=body)
    assert kept.status_code == 200 and "predicts" in kept.get_data(as_text=True)
    for outputs in (
        {"id": "models-detail", "property": "children"},
        [body["outputs"]],
        {"id": "models-sample-result"},
    ):
        response = client.post(URL, json={**body, "outputs": outputs})
        assert response.status_code == 400
        assert "predicts" not in response.get_data(as_text=True)
    assert client.post(URL, json=body).get_data() == kept.get_data()


@pytest.fixture()
def pattern_client():
    """A small app with the pattern-matching and duplicate outputs the portal's callbacks may grow."""
    app = dash.Dash(__name__)
    app.layout = html.Div(
        [html.Button(id="go"), html.Div(id="status")]
        + [html.Div(id={"type": "cell", "index": i}) for i in (1, 2)]
        + [html.Button(id={"type": "cell-go", "index": i}) for i in (1, 2)]
    )

    @app.callback(
        Output({"type": "cell", "index": ALL}, "children"),
        Output("status", "children"),
        Input("go", "n_clicks"),
    )
    def fill(n_clicks: int | None) -> tuple[list[str], str]:
        cells = dash.ctx.outputs_list[0]
        return [f"cell {cell['id']['index']}" for cell in cells], f"filled {len(cells)}"

    @app.callback(
        Output({"type": "cell", "index": MATCH}, "title"),
        Input({"type": "cell-go", "index": MATCH}, "n_clicks"),
    )
    def title(n_clicks: int | None) -> str:
        return f"clicked {n_clicks}"

    @app.callback(
        Output("status", "children", allow_duplicate=True),
        Input("status", "title"),
        prevent_initial_call=True,
    )
    def again(title: str | None) -> str:
        return f"again {title}"

    init_dash_guard(app.server, app)
    return app.server.test_client(), app


def _cell(index: Any, prop: str = "children", kind: str = "cell") -> dict[str, Any]:
    return {"id": {"type": kind, "index": index}, "property": prop}


ALL_KEY = '..{"index":["ALL"],"type":"cell"}.children...status.children..'
MATCH_KEY = '{"index":["MATCH"],"type":"cell"}.title'


def _all_body(cells: Any) -> dict[str, Any]:
    return {
        "output": ALL_KEY,
        "outputs": [cells, {"id": "status", "property": "children"}],
        "inputs": [{"id": "go", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["go.n_clicks"],
    }


def _match_body(outputs: Any) -> dict[str, Any]:
    return {
        "output": MATCH_KEY,
        "outputs": outputs,
        "inputs": [{"id": {"type": "cell-go", "index": 2}, "property": "n_clicks", "value": 4}],
        "changedPropIds": ['{"index":2,"type":"cell-go"}.n_clicks'],
    }


def test_dgo005_pattern_matching_and_duplicate_outputs_as_the_browser_sends_them_run(pattern_client) -> None:
    client, app = pattern_client
    filled = client.post(URL, json=_all_body([_cell(1), _cell(2)]))
    assert filled.status_code == 200, filled.get_data(as_text=True)
    assert filled.get_json()["response"]['{"index":2,"type":"cell"}'] == {"children": "cell 2"}
    assert filled.get_json()["response"]["status"] == {"children": "filled 2"}
    assert client.post(URL, json=_all_body([])).status_code == 200  # no cell on the page yet
    matched = client.post(URL, json=_match_body(_cell(2, "title")))
    assert matched.get_json()["response"] == {'{"index":2,"type":"cell"}': {"title": "clicked 4"}}
    duplicate_key = next(key for key in app.callback_map if "@" in key)  # status.children@<hash of inputs>
    again = client.post(
        URL,
        json={
            "output": duplicate_key,
            "outputs": {"id": "status", "property": duplicate_key.split(".", 1)[1]},
            "inputs": [{"id": "status", "property": "title", "value": "x"}],
            "changedPropIds": ["status.title"],
        },
    )
    assert again.get_json()["response"] == {"status": {"children": "again x"}}


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            _cell(1),
            "the callback request's output {index: ALL, type: cell}.children must be a list of components",
        ),
        ([_cell(1), "cell-2"], "must name an id and a property for each component"),
        (
            [_cell(1), _cell(2, "title")],
            "names another property where the callback produces {index: ALL, type: cell}",
        ),
        ([_cell(1, kind="row")], "names a component other than {index: ALL, type: cell}.children"),
        ([{"id": {"type": "cell"}, "property": "children"}], "names a component other than"),
        (
            [{"id": {"type": "cell", "index": 1, "x": 2}, "property": "children"}],
            "names a component other than",
        ),
        ([{"id": "cell", "property": "children"}], "names a component other than"),
        ([_cell([1])], "has an id value that is not text or a number"),
        ([_cell({"i": 1})], "has an id value that is not text or a number"),
        ([_cell(None)], "has an id value that is not text or a number"),
    ],
)
def test_dgo006_malformed_pattern_outputs_are_400(pattern_client, cells: Any, message: str) -> None:
    client, _ = pattern_client
    assert message in _refused(client, _all_body(cells))


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        (
            [_cell(2, "title")],
            "{index: MATCH, type: cell}.title must be one object with an id and a property",
        ),
        ({"id": {"type": "cell", "index": "MATCH"}}, "must name an id and a property"),
        (_cell(2, "title", kind="cell-go"), "names a component other than {index: MATCH, type: cell}.title"),
        (_cell(["MATCH"], "title"), "has an id value that is not text or a number"),
    ],
)
def test_dgo007_malformed_match_outputs_are_400(pattern_client, outputs: Any, message: str) -> None:
    client, _ = pattern_client
    assert message in _refused(client, _match_body(outputs))
