"""The Arrow CSV writer writes exactly the bytes pandas' ``to_csv`` wrote, on data chosen to trip it up."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from models.batch_csv import csv_bytes, pandas_csv
from models.batch_scoring import write_csv_chunk
from portal.batch.jobs import neutralise_columns

TRICKY_TEXT = [
    '=HYPERLINK("http://evil","x")',
    "-3",
    "+1+1",
    "@SUM(A1)",
    "\tindent",
    "\rreturn",
    "",
    None,
    "plain",
    'say "hi"',
    "a,b",
    "two\nlines",
    "crlf\r\nend",
    "ünïcødé ✓ 日本",
    " leading space",
    "'already quoted",
]
TRICKY_FLOATS = [
    0.0, -0.0, 1.0, -2.5, np.nan, 1e20, 1e-7, 1e-4, 9.9e-5, 123456789.125, 1e15, 1e16, 0.1 + 0.2,
    np.inf, -np.inf, 5e-324, 1.7976931348623157e308, 0.576286, 3.0, -1e9,
]  # fmt: skip


def _tricky_frame(rows: int = 64) -> pd.DataFrame:
    take = np.arange(rows)
    return pd.DataFrame(
        {
            "text": pd.array([TRICKY_TEXT[i % len(TRICKY_TEXT)] for i in take], dtype="str"),
            "objects": np.array([TRICKY_TEXT[(i * 7) % len(TRICKY_TEXT)] for i in take], dtype=object),
            "amount": np.array([TRICKY_FLOATS[i % len(TRICKY_FLOATS)] for i in take]),
            "count": (take - rows // 2) * 1_000_000_007,
            "flag": take % 3 == 0,
            "id": [f"{i:032x}" for i in take],
        }
    )


def test_csv001_tricky_cells_match_pandas_byte_for_byte() -> None:
    frame = _tricky_frame()
    for header in (True, False):
        assert csv_bytes(frame, header) == pandas_csv(frame, header).encode()
    safe = neutralise_columns(frame.rename(columns={"text": "=text", "id": 'i"d,'}))
    assert csv_bytes(safe, True) == pandas_csv(safe, True).encode()
    assert csv_bytes(safe.iloc[5:40], True) == pandas_csv(safe.iloc[5:40], True).encode()


def test_csv002_quote_free_cells_take_the_fast_path_and_still_match() -> None:
    frame = pd.DataFrame(
        {
            "name": pd.array(["a", None, "=x", "ü"] * 10, dtype="str"),
            "value": [0.5, np.nan, -1.0, 1e-5] * 10,
            "n": np.arange(40, dtype=np.int64) - 7,
        }
    )
    assert csv_bytes(frame, True) == pandas_csv(frame, True).encode()


def test_csv003_integers_stay_integers_and_plain_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"n": np.array([1, -2, 2**62], dtype=np.int64), "x": [1.0, -2.0, 0.25]})
    text = csv_bytes(frame, True).decode()
    assert text == "n,x\r\n1,1.0\r\n-2,-2.0\r\n4611686018427387904,0.25\r\n"


def test_csv004_other_column_types_fall_back_to_pandas() -> None:
    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2024-01-31", None]),
            "mixed": np.array([1, "a"], dtype=object),
            "small": np.array([0.1, 0.2], dtype=np.float32),
            "nullable": pd.array([1, None], dtype="Int64"),
        }
    )
    assert csv_bytes(frame, True) == pandas_csv(frame, True).encode()
    single = pd.DataFrame({"only": pd.array([None, "x"], dtype="str")})
    assert csv_bytes(single, True) == pandas_csv(single, True).encode()
    assert csv_bytes(frame.head(0), True) == pandas_csv(frame.head(0), True).encode()


def test_csv005_text_and_binary_handles_get_the_same_bytes() -> None:
    frame = neutralise_columns(_tricky_frame(20))
    binary, text = io.BytesIO(), io.StringIO(newline="")
    write_csv_chunk(frame, binary, header=True)
    write_csv_chunk(frame, text, header=True)
    assert binary.getvalue() == text.getvalue().encode() == pandas_csv(frame, True).encode()


CHARACTER = st.characters(blacklist_categories=("Cs",)) | st.sampled_from(list(',"\r\n=+-@\t'))
CELL = st.one_of(st.none(), st.text(alphabet=CHARACTER, max_size=8))


@settings(max_examples=80, deadline=None)
@given(
    cells=st.lists(CELL, min_size=1, max_size=12),
    numbers=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=12),
    integers=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=12),
)
def test_csv006_any_text_floats_and_integers_match_pandas(
    cells: list[str | None], numbers: list[float], integers: list[int]
) -> None:
    rows = min(len(cells), len(numbers), len(integers))
    frame = pd.DataFrame(
        {
            "text": pd.array(cells[:rows], dtype="str"),
            "objects": np.array(cells[:rows], dtype=object),
            "number": np.array(numbers[:rows], dtype=float),
            "integer": np.array(integers[:rows], dtype=np.int64),
        }
    )
    assert csv_bytes(frame, True) == pandas_csv(frame, True).encode()
    safe = neutralise_columns(frame)
    assert csv_bytes(safe, False) == pandas_csv(safe, False).encode()
