"""The small-frame scoring path gives the very bytes the estimator gives, and steps aside when it must."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from models import small_frames
from models.registry import ModelRegistry
from models.schema import validate_records


@pytest.fixture(scope="module")
def registry(demo_models_dir) -> ModelRegistry:
    return ModelRegistry(demo_models_dir / "models")


def _frames(registry: ModelRegistry, name: str, records: list[dict]) -> pd.DataFrame:
    record = registry.get(name)
    frame, errors, _ = validate_records(records, record.schema)
    assert not errors
    return frame[record.feature_names]


def _reference_records(registry: ModelRegistry, name: str, rows: int) -> list[dict]:
    record = registry.get(name)
    sample = registry.reference(name, record.version)[record.feature_names].head(rows)
    return json.loads(sample.to_json(orient="records", date_format="iso"))  # as an API client sends them


@pytest.mark.parametrize("name", ["churn", "revenue"])
@pytest.mark.parametrize("rows", [1, 2, 7, small_frames.SMALL_FRAME_ROWS])
def test_demo_models_give_identical_bytes_on_reference_rows(registry, name, rows) -> None:
    loaded = registry.load(name)
    frame = _frames(registry, name, _reference_records(registry, name, rows))
    method = "predict_proba" if loaded.version.task == "classification" else "predict"
    expected = getattr(loaded.estimator, method)(frame)
    got = getattr(small_frames, method)(loaded.estimator, frame)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_churn_identical_on_missing_unknown_and_extreme_values(registry, data) -> None:
    loaded = registry.load("churn")
    base = _reference_records(registry, "churn", 1)[0]
    record = dict(base)
    for feature in loaded.version.metadata["features"]:
        column = feature["name"]
        choice = data.draw(st.integers(0, 3), label=column)
        if choice == 1:
            record.pop(column, None)  # missing: imputed
        elif choice == 2 and isinstance(base.get(column), str):
            record[column] = data.draw(st.text(min_size=1, max_size=8), label=f"{column} text")
        elif choice == 2 and isinstance(base.get(column), float):
            record[column] = data.draw(
                st.floats(allow_nan=False, allow_infinity=False, width=64), label=f"{column} float"
            )
    frame, errors, _ = validate_records([record], registry.get("churn").schema)
    if errors:
        return  # refused by validation: never reaches the model
    frame = frame[loaded.version.feature_names]
    expected = loaded.estimator.predict_proba(frame)
    assert small_frames.predict_proba(loaded.estimator, frame).tobytes() == expected.tobytes()


def test_larger_frames_and_other_estimators_use_the_estimator_itself(registry, monkeypatch) -> None:
    calls = []
    loaded = registry.load("churn")
    frame = _frames(registry, "churn", _reference_records(registry, "churn", 1))
    real = type(loaded.estimator).predict_proba
    monkeypatch.setattr(
        type(loaded.estimator), "predict_proba", lambda self, x: calls.append(len(x)) or real(self, x)
    )
    small_frames.predict_proba(loaded.estimator, frame)
    assert calls == []  # a small frame took the lighter steps
    big = pd.concat([frame] * (small_frames.SMALL_FRAME_ROWS + 1), ignore_index=True)
    small_frames.predict_proba(loaded.estimator, big)
    assert calls == [len(big)]
    with sklearn.config_context(transform_output="pandas"):
        small_frames.predict_proba(loaded.estimator, frame)
    assert calls == [len(big), 1]


def _numeric_model(**column_options) -> tuple[Pipeline, pd.DataFrame]:
    frame = pd.DataFrame({"a": [0.0, 1.0, np.nan, 3.0, 4.0, 5.0], "b": [1.0, 0.0, 1.0, 2.0, np.nan, 0.5]})
    columns = ColumnTransformer([("scaled", StandardScaler(), ["a", "b"])], **column_options)
    imputed = pd.DataFrame(SimpleImputer().fit_transform(frame), columns=["a", "b"])
    model = Pipeline([("columns", columns), ("fit", LogisticRegression())]).fit(imputed, [0, 1, 0, 1, 1, 0])
    return model, imputed


def test_weights_and_pandas_output_match_or_step_aside() -> None:
    weighted, frame = _numeric_model(transformer_weights={"scaled": 2.5})
    assert (
        small_frames.predict_proba(weighted, frame.head(3)).tobytes()
        == weighted.predict_proba(frame.head(3)).tobytes()
    )
    pandas_out, frame = _numeric_model()
    pandas_out.named_steps["columns"].set_output(transform="pandas")
    assert small_frames._plan(pandas_out) is None
    assert (
        small_frames.predict_proba(pandas_out, frame.head(2)).tobytes()
        == pandas_out.predict_proba(frame.head(2)).tobytes()
    )


def test_an_estimator_that_is_no_pipeline_is_scored_whole() -> None:
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    model = LogisticRegression().fit(frame, [0, 1, 0, 1])
    assert small_frames._plan(model) is None
    assert small_frames.predict_proba(model, frame).tobytes() == model.predict_proba(frame).tobytes()
