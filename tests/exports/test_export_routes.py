"""GET /export/overview.csv: the grid's filter and sort as a formula-safe, streamed CSV."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from models import grid_query, population
from models.registry import ModelRegistry
from portal.exports import routes as export_routes

PLAN_FILTER = {"plan": {"filterType": "text", "type": "contains", "filter": "a"}}
SORT = [{"colId": "probability", "sort": "desc"}]


def _csv(response) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(response.get_data(as_text=True)), dtype=str, keep_default_na=False)


def test_exp001_csv_matches_the_filtered_sorted_rows(client, data_dir: Path) -> None:
    filter_model = {
        **PLAN_FILTER,
        "tenure_months": {"filterType": "number", "type": "greaterThan", "filter": 12},
    }
    response = client.get(
        "/export/overview.csv",
        query_string={"model": "churn", "filter": json.dumps(filter_model), "sort": json.dumps(SORT)},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    exported = _csv(response)
    scored = population.scored_population(ModelRegistry(data_dir / "models"), data_dir, "churn")
    expected = scored.frame.iloc[grid_query.select(scored.frame, filter_model, SORT)]
    assert 0 < len(exported) < scored.rows
    assert exported["customer_id"].tolist() == expected["customer_id"].tolist()
    assert list(exported.columns) == list(scored.frame.columns)
    assert exported["probability"].astype(float).is_monotonic_decreasing


def test_exp002_export_is_chunked_and_the_header_written_once(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_routes, "EXPORT_CHUNK_ROWS", 500)
    response = client.get("/export/overview.csv?model=revenue")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.count("customer_id") == 1
    exported = _csv(response)
    assert len(exported) > 500
    assert exported["prediction"].astype(float).notna().all()


def test_exp003_formula_cells_are_neutralised_and_negative_numbers_kept(
    client, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ['=HYPERLINK("http://x")', "+1+2", "@SUM(A1)", "-3", "ok"],
            "prediction": [-1.5, 2.0, -0.25, 3.0, 4.0],
            "plan": ["-2+3", "basic", "=1", "pro", "\tx"],
        }
    )
    scored = population.ScoredPopulation(
        "churn", 1, "regression", "formula-test", frame, "customer_id", None, "prediction", None, ("plan",)
    )
    monkeypatch.setattr(population, "scored_population", lambda *a, **k: scored)
    response = client.get("/export/overview.csv?model=churn")
    assert response.status_code == 200
    exported = _csv(response)
    assert exported["customer_id"].tolist() == ['\'=HYPERLINK("http://x")', "'+1+2", "'@SUM(A1)", "-3", "ok"]
    assert exported["prediction"].tolist() == ["-1.5", "2.0", "-0.25", "3.0", "4.0"]
    assert exported["plan"].tolist()[0] == "'-2+3" and exported["plan"].tolist()[2] == "'=1"
    for line in response.get_data(as_text=True).splitlines():
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), cell


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ({}, 400, "'model' is required"),
        ({"model": "nope"}, 404, "no model named 'nope'"),
        ({"model": "churn", "version": "99"}, 404, "no version 99"),
        ({"model": "churn", "version": "x"}, 400, "whole number"),
        ({"model": "churn", "filter": "{not json"}, 400, "not valid JSON"),
        ({"model": "churn", "filter": "[1]"}, 400, "JSON dict"),
        ({"model": "churn", "sort": "{}"}, 400, "JSON list"),
        (
            {"model": "churn", "filter": json.dumps({"nope": {"type": "contains", "filter": "a"}})},
            400,
            "unknown",
        ),
        (
            {
                "model": "churn",
                "filter": json.dumps(
                    {"tenure_months": {"filterType": "number", "type": "equals", "filter": "x"}}
                ),
            },
            400,
            "not a number",
        ),
        ({"model": "churn", "sort": json.dumps([{"colId": "plan", "sort": "up"}])}, 400, "'asc' or 'desc'"),
    ],
)
def test_exp004_bad_parameters_get_json_errors(client, query: dict, status: int, fragment: str) -> None:
    response = client.get("/export/overview.csv", query_string=query)
    assert response.status_code == status
    assert response.is_json
    assert fragment in response.get_json()["error"]["message"]
