"""Grid queries over a scored frame: ag-grid filter models, sorting, paging, and refusal of bad models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import grid_query, population


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    grid_query._selections.clear()


FRAME = pd.DataFrame(
    {
        "id": ["a1", "b2", "c3", "d4", "e5", "f6"],
        "month": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-01", "2026-02-01", "2026-03-01", None]),
        "plan": ["basic", "Pro", "pro", None, "enterprise", "basic"],
        "score": [0.1, 0.9, 0.5, 0.7, np.nan, 0.3],
    }
)


@pytest.mark.parametrize(
    ("filter_model", "expected"),
    [
        ({}, ["a1", "b2", "c3", "d4", "e5", "f6"]),
        ({"plan": {"filterType": "text", "type": "contains", "filter": "PRO"}}, ["b2", "c3"]),
        ({"plan": {"filterType": "text", "type": "equals", "filter": "basic"}}, ["a1", "f6"]),
        ({"score": {"filterType": "number", "type": "equals", "filter": 0.5}}, ["c3"]),
        ({"score": {"filterType": "number", "type": "greaterThan", "filter": 0.4}}, ["b2", "c3", "d4"]),
        ({"score": {"filterType": "number", "type": "lessThan", "filter": 0.4}}, ["a1", "f6"]),
        (
            {"score": {"filterType": "number", "type": "inRange", "filter": 0.3, "filterTo": 0.7}},
            ["c3", "d4", "f6"],
        ),
        (
            {
                "plan": {"filterType": "text", "type": "contains", "filter": "b"},
                "score": {"filterType": "number", "type": "greaterThan", "filter": 0.2},
            },
            ["f6"],
        ),
        (
            {
                "score": {
                    "filterType": "number",
                    "operator": "OR",
                    "conditions": [
                        {"filterType": "number", "type": "lessThan", "filter": 0.2},
                        {"filterType": "number", "type": "greaterThan", "filter": 0.8},
                    ],
                }
            },
            ["a1", "b2"],
        ),
        (
            {"month": {"filterType": "date", "type": "equals", "dateFrom": "2026-02-01 00:00:00"}},
            ["c3", "d4"],
        ),
    ],
)
def test_grq001_filter_models(filter_model: dict, expected: list[str]) -> None:
    positions = grid_query.select(FRAME, filter_model, [])
    assert FRAME["id"].iloc[positions].tolist() == expected


def test_grq002_sort_and_page() -> None:
    positions = grid_query.select(FRAME, {}, [{"colId": "score", "sort": "desc"}])
    assert FRAME["id"].iloc[positions].tolist() == ["b2", "d4", "c3", "f6", "a1", "e5"]  # missing last
    positions = grid_query.select(
        FRAME, {}, [{"colId": "plan", "sort": "asc"}, {"colId": "score", "sort": "desc"}]
    )
    assert FRAME["id"].iloc[positions].tolist()[:3] == ["b2", "f6", "a1"]  # case-sensitive
    scored = population.ScoredPopulation(
        "m", 1, "classification", "test-frame", FRAME, "id", "month", "plan", "score", ("plan",)
    )
    page = grid_query.rows_page(
        scored,
        {"score": {"filterType": "number", "type": "greaterThan", "filter": 0.2}},
        [{"colId": "score", "sort": "asc"}],
        1,
        3,
    )
    assert page["rowCount"] == 4
    assert [row["id"] for row in page["rowData"]] == ["c3", "d4"]
    assert page["rowData"][0]["month"].startswith("2026-02-01")
    empty = grid_query.rows_page(
        scored, {"plan": {"filterType": "text", "type": "equals", "filter": "x"}}, [], 0, 100
    )
    assert empty == {"rowData": [], "rowCount": 0}


@pytest.mark.parametrize(
    ("filter_model", "sort_model"),
    [
        ({"nope": {"filterType": "text", "type": "contains", "filter": "a"}}, []),
        ({"score": {"filterType": "number", "type": "equals", "filter": "abc"}}, []),
        ({"score": {"filterType": "number", "type": "regex", "filter": 1}}, []),
        ({"plan": {"filterType": "number", "type": "equals", "filter": 1}}, []),
        ({}, [{"colId": "score", "sort": "sideways"}]),
        ({}, [{"colId": "nope", "sort": "asc"}]),
        ([], []),
    ],
)
def test_grq003_bad_models_raise_query_error(filter_model: object, sort_model: object) -> None:
    with pytest.raises(grid_query.QueryError):
        grid_query.select(FRAME, filter_model, sort_model)
