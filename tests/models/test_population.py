"""The scored population: scoring matches the model, grid filter/sort/paging, the on-disk cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models import grid_query, population
from models.registry import ModelRegistry, ModelVersion


@pytest.fixture()
def registry(data_dir: Path) -> ModelRegistry:
    return ModelRegistry(data_dir / "models")


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    population._frames.clear()
    grid_query._selections.clear()


def test_pop001_classifier_scores_equal_predict_proba(registry: ModelRegistry, data_dir: Path) -> None:
    scored = population.scored_population(registry, data_dir, "churn")
    loaded = registry.load("churn")
    source = pd.read_parquet(loaded.version.metadata["population"])
    assert scored.rows == len(source)
    x = source[loaded.version.feature_names]
    proba = loaded.estimator.predict_proba(x)[:, -1]
    np.testing.assert_allclose(scored.frame[scored.probability].to_numpy(), proba)
    np.testing.assert_array_equal(scored.frame[scored.prediction].to_numpy(), loaded.estimator.predict(x))
    assert scored.frame["customer_id"].tolist() == source["customer_id"].tolist()
    assert list(scored.frame.columns[:2]) == ["customer_id", "snapshot_month"]


def test_pop002_chunked_scoring_equals_one_pass_and_regressor(registry: ModelRegistry) -> None:
    loaded = registry.load("revenue")
    frame = registry.reference("revenue", loaded.number)
    whole = population.score_frame(loaded, frame, chunk_rows=10**9)
    chunked = population.score_frame(loaded, frame, chunk_rows=333)
    pd.testing.assert_frame_equal(whole, chunked)
    expected = loaded.estimator.predict(frame[loaded.version.feature_names])
    np.testing.assert_allclose(chunked["prediction"].to_numpy(), expected)
    assert "probability" not in chunked.columns


def test_pop003_cache_file_is_written_once_and_reused(
    registry: ModelRegistry, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = population.scored_population(registry, data_dir, "churn")
    files = list((data_dir / "scores" / "churn").rglob("*.parquet"))
    assert len(files) == 1 and files[0].parent.name == str(first.version)
    assert not list(files[0].parent.glob(".scoring-*"))
    population._frames.clear()
    monkeypatch.setattr(population, "score_frame", lambda *a, **k: pytest.fail("scored again"))
    second = population.scored_population(registry, data_dir, "churn")
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert population.scored_population(registry, data_dir, "churn") is second  # memoised in process


def test_pop004_without_population_the_reference_data_is_scored(
    registry: ModelRegistry, data_dir: Path
) -> None:
    record = registry.get("revenue")
    meta = dict(record.metadata)
    meta.pop("population", None)
    bare = ModelVersion(record.name, record.version, record.path, meta)
    assert population.population_path(bare) is None
    frame = population.load_population(registry, bare)
    assert len(frame) == len(registry.reference(record.name, record.version))


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
def test_pop005_filter_models(filter_model: dict, expected: list[str]) -> None:
    positions = grid_query.select(FRAME, filter_model, [])
    assert FRAME["id"].iloc[positions].tolist() == expected


def test_pop006_sort_and_page() -> None:
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
def test_pop007_bad_models_raise_query_error(filter_model: object, sort_model: object) -> None:
    with pytest.raises(grid_query.QueryError):
        grid_query.select(FRAME, filter_model, sort_model)


def test_pop008_summaries(registry: ModelRegistry, data_dir: Path) -> None:
    scored = population.scored_population(registry, data_dir, "churn")
    head = population.headline(scored)
    assert head.rows == scored.rows
    assert head.mean == pytest.approx(scored.frame["probability"].mean())
    months = population.monthly_means(scored)
    assert head.change == pytest.approx(months["mean"].iloc[-1] - months["mean"].iloc[-2])
    table = population.histogram(scored.frame["probability"].to_numpy(), 20, (0.0, 1.0))
    assert table["count"].sum() == scored.rows and len(table) == 20
    segments = population.by_segment(scored, "plan")
    assert segments["rows"].sum() == scored.rows
