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
