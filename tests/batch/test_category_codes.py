"""Category cells hashed by Arrow land on the same allowed values as pandas' index lookup."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from models.batch_validation import _category_codes

KEYS = ["basic", "Basic", "ünï", "True", "true", "1", "", " spaced"]


@settings(max_examples=80, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), st.sampled_from(KEYS), st.text(max_size=4)), min_size=1))
def test_cat001_codes_match_pandas_get_indexer(cells: list[str | None]) -> None:
    text = pd.Series(cells, dtype="str")
    expected = pd.Index(KEYS, dtype=object).get_indexer(text.astype(object))
    assert np.array_equal(_category_codes(text, KEYS), expected)
    assert np.array_equal(_category_codes(text.iloc[1:], KEYS), expected[1:])
