"""Numbers in uploaded text parse to the values ``pd.to_numeric`` gives, whichever parser ran."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from models.number_parsing import parse_numbers


def _reference(raw: pd.Series) -> np.ndarray:
    return pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)


def _same(parsed: np.ndarray, expected: np.ndarray) -> bool:
    """Equal values, NaN where NaN, and the same sign on zeros."""
    return np.array_equal(parsed, expected, equal_nan=True) and np.array_equal(
        np.signbit(parsed), np.signbit(expected)
    )


ODD_CELLS = [
    "-0", "-0.0", "+0", "+5", "5.", ".5", "00.5", "-.5", "1e5", "1E-3", "inf", "-inf", "nan", "1_0",
    "0x10", "1,5", "\u0661\u0662", "\uff11", "12345678901234567", "123456789012345", "1234567.12345678",
    "99999999999999.9", "0.1", "-", ".", "+", "--1", None,
]  # fmt: skip


def test_num001_odd_cells_parse_as_pandas_parses_them() -> None:
    for cell in ODD_CELLS:
        raw = pd.Series([cell, "1.5", None], dtype="str")
        assert _same(parse_numbers(raw), _reference(raw)), cell


def test_num002_result_is_a_writable_float_array() -> None:
    parsed = parse_numbers(pd.Series(["1", None, "2.25"], dtype="str"))
    parsed[0] = 7.0
    assert parsed.dtype == float and np.isnan(parsed[1]) and parsed[2] == 2.25


DECIMAL = st.builds(
    lambda sign, whole, fraction: f"{sign}{whole}{fraction}",
    st.sampled_from(["", "-", "+"]),
    st.text(alphabet="0123456789", max_size=12),
    st.one_of(st.just(""), st.text(alphabet="0123456789", max_size=8).map(lambda d: "." + d)),
)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.one_of(DECIMAL, st.none(), st.floats().map(repr)), min_size=1, max_size=20))
def test_num003_any_decimal_text_parses_as_pandas_parses_it(cells: list[str | None]) -> None:
    raw = pd.Series(cells, dtype="str").replace("", np.nan)
    assert _same(parse_numbers(raw), _reference(raw))


def test_num004_slices_and_chunked_columns_parse_only_their_own_cells() -> None:
    column = pd.Series(["1e5", "abc", "2.5", None, "-7", "0.125"], dtype="str")
    tail = column.iloc[2:]
    assert _same(parse_numbers(tail), np.array([2.5, np.nan, -7.0, 0.125]))
    chunked = pa.chunked_array([pa.array(["1", "2.5"]), pa.array([None, "-3"])])
    raw = pd.Series(pd.arrays.ArrowStringArray(chunked.cast(pa.large_string())), dtype="str")
    assert _same(parse_numbers(raw), np.array([1.0, 2.5, np.nan, -3.0]))
