"""Property tests: whatever text a batch holds, its CSV and Excel downloads cannot run a formula."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from models.batch_scoring import write_csv_chunk
from portal.batch.exports import xlsx_from_parquet
from portal.exports.safety import _PLAIN_NUMBER, FORMULA_PREFIXES, formula_starts, neutralise_frame

# Text as uploaded files hold it: any characters a CSV cell or sheet cell can carry.
CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    | st.sampled_from(list("=+-@\t\r'")),
    max_size=12,
)


def _dangerous(value: object) -> bool:
    return (
        isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value)
    )


def _lines(text: str) -> str:
    """Readers normalise line ends (XML and CSV parsers turn a bare \\r into \\n); so compare that way."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _original(value: str, before: str) -> bool:
    """The cell reads back as written, or with the one quote added when it could start a formula."""
    if _lines(value) == _lines(before):
        return not _dangerous(before)
    return _lines(value) == _lines("'" + before) and _dangerous(before)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(CELL, min_size=1, max_size=8),
    numbers=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=8),
)
def test_exs001_csv_cells_are_safe_and_recoverable(cells: list[str], numbers: list[float]) -> None:
    rows = min(len(cells), len(numbers))
    frame = pd.DataFrame({"text": cells[:rows], "amount": numbers[:rows]})
    safe = neutralise_frame(frame)
    assert not any(_dangerous(v) for v in safe["text"])
    buffer = io.StringIO(newline="")
    write_csv_chunk(safe, buffer, header=True)
    back = pd.read_csv(io.StringIO(buffer.getvalue(), newline=""), dtype={"text": str}, keep_default_na=False)
    assert len(back) == rows, "a cell holding a line break stays in its row"
    assert not any(_dangerous(v) for v in back["text"])
    for value, before in zip(back["text"], cells[:rows], strict=True):
        assert _original(value, before)
    assert back["amount"].dtype == float, "plain numbers stay numbers"


@settings(max_examples=30, deadline=None)
@given(cells=st.lists(CELL, min_size=1, max_size=6))
def test_exs002_excel_cells_are_safe_and_numbers_stay_numbers(cells: list[str]) -> None:
    frame = pd.DataFrame({"text": cells, "amount": [-float(i) - 0.5 for i in range(len(cells))]})
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "result.parquet"
        neutralise_frame(frame).to_parquet(source, index=False)
        target = xlsx_from_parquet(source, Path(folder) / "result.xlsx")
        rows = list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))
    texts = [row[0] if row[0] is not None else "" for row in rows[1:]]
    assert not any(_dangerous(v) for v in texts)
    assert all(_original(v, before) for v, before in zip(texts, cells, strict=True))
    assert all(isinstance(row[1], float) and row[1] < 0 for row in rows[1:])


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), CELL), min_size=1, max_size=12), start=st.integers(0, 3))
def test_exs003_formula_starts_reads_first_bytes_like_startswith(cells: list[str | None], start: int) -> None:
    column = pd.Series(cells, dtype="str").iloc[start:]
    expected = column.str.startswith(FORMULA_PREFIXES).fillna(False).to_numpy(dtype=bool)
    assert formula_starts(column).tolist() == expected.tolist()
