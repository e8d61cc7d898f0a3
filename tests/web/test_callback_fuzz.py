"""Every server callback answers malformed input with a 4xx, never a 500.

Each callback is called as the page would call it, with the values its layout holds, and then
with one input at a time replaced by a value of the wrong kind: null, text, a huge number, a
list, an object, a very long string. A type the callback does not accept must be a 400 from the
Dash guard; a value of the right type must be handled by the callback itself.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from dash.development.base_component import Component

import layouts
from portal.web import callback_types
from tests.support.dash_requests import outputs_of

BAD_VALUES: tuple[Any, ...] = (None, "abc", -1, 10**30, 1.5, True, ["x", 1], {"a": 1}, "9" * 100_000)


def layout_values(app) -> dict[tuple[str, str], Any]:
    """(component id, property) -> the value every page's default layout gives it."""
    services = app.server.extensions["portal.services"]
    found: dict[tuple[str, str], Any] = {}
    with app.server.test_request_context("/"):
        for page in (*layouts.PAGES, *layouts.ADMIN_PAGES):
            for component in page.layout(services)._traverse():
                if isinstance(component, Component) and isinstance(getattr(component, "id", None), str):
                    for prop in component._prop_names:
                        value = getattr(component, prop, None)
                        if (
                            value is not None and not isinstance(value, Component | list | tuple)
                        ) or prop == "value":
                            found[(component.id, prop)] = value
    return found


def body_for(
    key: str, entry: dict, values: dict[tuple[str, str], Any], change: tuple[int, Any] | None
) -> dict:
    items = [*entry["inputs"], *entry["state"]]
    built = []
    for position, item in enumerate(items):
        replaced = change is not None and change[0] == position
        if isinstance(item["id"], dict):  # a pattern-matching group: one entry per component
            pattern = {k: ("x" if v == ["ALL"] else v) for k, v in item["id"].items()}
            group = [{"id": pattern, "property": item["property"], "value": change[1]}] if replaced else []
            built.append(group)
            continue
        value = change[1] if replaced else values.get((item["id"], item["property"]))
        built.append({"id": item["id"], "property": item["property"], "value": value})
    count = len(entry["inputs"])
    return {
        "output": key,
        "outputs": outputs_of(key),
        "inputs": built[:count],
        "state": built[count:],
        "changedPropIds": [f"{entry['inputs'][0]['id']}.{entry['inputs'][0]['property']}"] if count else [],
    }


@pytest.mark.slow
def test_fuzz001_no_callback_answers_a_malformed_input_with_a_500(app) -> None:
    client = app.server.test_client()
    values = layout_values(app)
    typed = app.server.extensions[callback_types.EXTENSION_KEY]
    failures = []
    baseline_answers = []
    for key, entry in app.callback_map.items():
        if key not in typed or entry.get("background"):
            continue  # background jobs are typed too, but calling them starts a job process
        count = len(entry["inputs"]) + len(entry["state"])
        changes: list[tuple[int, Any] | None] = [None]
        changes += [(position, bad) for position in range(count) for bad in BAD_VALUES]
        for change in changes:
            reply = client.post("/_dash-update-component", json=body_for(key, entry, values, change))
            if change is None:
                baseline_answers.append(reply.status_code)
            if reply.status_code >= 500:
                shown = None if change is None else (change[0], repr(change[1])[:20])
                failures.append(f"{key} {shown}: {reply.status_code}")
    assert failures == [], "\n".join(failures)
    # The page's own values must mostly run the callbacks, or the fuzzing would not reach their code.
    ran = sum(status in (200, 204) for status in baseline_answers)
    assert ran >= 0.8 * len(baseline_answers), baseline_answers


def test_fuzz002_a_wrongly_typed_input_gets_a_400_that_names_it(client) -> None:
    body = {
        "output": "..overview-version.options...overview-version.value..",
        "outputs": outputs_of("..overview-version.options...overview-version.value.."),
        "inputs": [{"id": "overview-model", "property": "value", "value": None}],
        "state": [{"id": "overview-version", "property": "value", "value": None}],
        "changedPropIds": ["overview-model.value"],
    }
    reply = client.post("/_dash-update-component", json=body)
    assert reply.status_code == 400
    assert reply.get_json()["error"]["message"] == (
        "the callback input overview-model.value must be text, not null; reload the page"
    )


def test_fuzz003_every_server_callback_declares_its_input_types(app) -> None:
    """Ours all do; Dash's own page router and job-cancel callbacks are not ours to annotate."""
    typed = app.server.extensions[callback_types.EXTENSION_KEY]
    ours = [
        key
        for key, entry in app.callback_map.items()
        if "callback" in entry and inspect.unwrap(entry["callback"]).__module__.startswith("callbacks.")
    ]
    assert len(ours) > 30
    assert sorted(typed) == sorted(ours)
    assert all(
        len(types) == len(app.callback_map[key]["inputs"]) + len(app.callback_map[key]["state"])
        for key, types in typed.items()
    )


@pytest.mark.parametrize(
    ("value", "hint", "fits"),
    [
        (None, str | None, True),
        (None, str, False),
        (3, int, True),
        (True, int, False),
        (3, float, True),
        ("3", float, False),
        ([1, 2], list[int], True),
        ([1, "2"], list[int], False),
        ({"startRow": 0, "endRow": 100}, "GridRequest", True),
        ({"startRow": "abc", "endRow": 100}, "GridRequest", False),
        ({"endRow": 100}, "GridRequest", False),
        ([{"startRow": 0}], "GridRequest", False),
    ],
)
def test_fuzz004_conformance(value, hint, fits) -> None:
    from models.grid_query import GridRequest

    resolved = GridRequest if hint == "GridRequest" else hint
    assert callback_types.conforms(value, resolved) is fits


@pytest.mark.parametrize("start", ["abc", None, [0], {"row": 0}])
def test_fuzz005_the_overview_grid_refuses_a_malformed_block_request(app, client, start) -> None:
    key = next(key for key in app.callback_map if "overview-grid.getRowsResponse" in key)
    body = {
        "output": key,
        "outputs": outputs_of(key),
        "inputs": [
            {"id": "overview-grid", "property": "getRowsRequest", "value": {"startRow": start, "endRow": 100}}
        ],
        "state": [
            {"id": "overview-model", "property": "value", "value": "churn"},
            {"id": "overview-version", "property": "value", "value": None},
        ],
        "changedPropIds": ["overview-grid.getRowsRequest"],
    }
    reply = client.post("/_dash-update-component", json=body)
    assert reply.status_code == 400
    assert (
        "overview-grid.getRowsRequest must be an object with endRow, filterModel, sortModel, startRow"
        in (reply.get_json()["error"]["message"])
    )
