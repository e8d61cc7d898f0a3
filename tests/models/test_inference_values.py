"""Predictions leave the model as plain Python values, whatever the dtype of the estimator's output."""

from __future__ import annotations

import numpy as np
import pytest

from models.inference import _to_python

ARRAYS = [
    np.array([0, 1, 1], dtype=np.int64),
    np.array([0, 1], dtype=np.uint8),
    np.array([True, False]),
    np.array([0.5, -0.0, np.nan, 1e-300]),
    np.array([0.25], dtype=np.float32),
    np.array(["no", "yes"]),
    np.array(["2024-01-31T12:00:00", "NaT"], dtype="datetime64[ns]"),
    np.array([np.int64(3), "yes", 2.5, None], dtype=object),
]


@pytest.mark.parametrize("values", ARRAYS, ids=lambda a: str(a.dtype))
def test_inf001_values_are_the_python_scalars_item_gives(values: np.ndarray) -> None:
    got = _to_python(values)
    expected = [v.item() if isinstance(v, np.generic) else v for v in values]
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert repr(got) == repr(expected)  # NaN and -0.0 included
    assert not any(isinstance(v, np.generic) for v in got)


@pytest.mark.parametrize("classes", [[0, 1], ["no", "yes", "maybe"], [1.5]])
def test_inf002_records_pair_each_class_with_its_probability_in_class_order(classes: list) -> None:
    from models.inference import Prediction

    probabilities = [[round(0.1 * (i + j), 6) for j in range(len(classes))] for i in range(5)]
    predicted = [classes[i % len(classes)] for i in range(5)]
    records = Prediction("m", 1, "classification", predicted, classes, probabilities).records()
    assert records == [
        {"prediction": value, "probabilities": {str(c): p for c, p in zip(classes, row, strict=True)}}
        for value, row in zip(predicted, probabilities, strict=True)
    ]
    assert [list(r["probabilities"]) for r in records] == [[str(c) for c in classes]] * 5
    with pytest.raises(ValueError):
        longer = [[*row, 0.5] for row in probabilities]
        Prediction("m", 1, "classification", predicted, classes, longer).records()


def test_inf003_regression_records_hold_only_the_prediction() -> None:
    from models.inference import Prediction

    assert Prediction("m", 1, "regression", [1.5, -0.0], [], None).records() == [
        {"prediction": 1.5},
        {"prediction": -0.0},
    ]
