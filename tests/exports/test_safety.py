"""Formula-injection safety of exported tables, by example and by property."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.exports.safety import FORMULA_PREFIXES, neutralise, neutralise_frame, to_safe_csv


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("-1e5", "-1e5"),
        ("basic", "basic"),
        ("", ""),
        (-7, -7),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_exp001_cells(cell, expected) -> None:
    assert neutralise(cell) == expected


def test_exp002_csv_keeps_numbers_numeric_and_neutralises_text() -> None:
    frame = pd.DataFrame(
        {"amount": [-5.25, 10.0], "note": ["=cmd|' /C calc'!A0", "-3"], "=evil header": ["ok", "@x"]}
    )
    text = to_safe_csv(frame)
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(back.columns) == ["amount", "note", "'=evil header"]
    assert back["amount"].tolist() == ["-5.25", "10.0"]
    assert back["note"].tolist() == ["'=cmd|' /C calc'!A0", "-3"]
    assert back["'=evil header"].tolist() == ["ok", "'@x"]


@given(st.lists(st.text(max_size=20), min_size=1, max_size=30))
def test_exp003_no_exported_text_cell_can_start_a_formula(cells: list[str]) -> None:
    safe = neutralise_frame(pd.DataFrame({"c": pd.Series(cells, dtype=object)}))
    for original, cell in zip(cells, safe["c"], strict=True):
        if cell.startswith(FORMULA_PREFIXES):
            float(cell)  # only plain numbers may keep a sign in front
        assert cell == original or cell == "'" + original


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False) | st.integers(), min_size=1, max_size=30))
def test_exp004_numbers_are_never_changed(values: list[float]) -> None:
    frame = pd.DataFrame({"v": values})
    assert neutralise_frame(frame)["v"].tolist() == frame["v"].tolist()
