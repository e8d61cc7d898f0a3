"""The scored population: scoring matches the model, the on-disk cache, and the page summaries."""

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


def test_pop009_summaries_are_cached_per_scored_file_and_argument(
    registry: ModelRegistry, data_dir: Path, app
) -> None:
    scored = population.scored_population(registry, data_dir, "churn")
    cache = app.server.extensions["portal.services"].figure_cache
    with app.server.app_context():
        plan = population.cached_summary(cache, scored, "segment", "plan")
        pd.testing.assert_frame_equal(plan, population.by_segment(scored, "plan"))
        assert population.cached_summary(cache, scored, "segment", "plan") is plan
        region = population.cached_summary(cache, scored, "segment", "region")
        assert set(region["segment"]) != set(plan["segment"])
        head = population.cached_summary(cache, scored, "headline")
        assert head == population.headline(scored)
        histogram = population.cached_summary(cache, scored, "histogram")
        assert histogram["count"].sum() == scored.rows
