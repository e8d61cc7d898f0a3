"""CSV uploads read by Arrow give exactly pandas' chunks; files Arrow could read differently go to pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from models.batch_files import UnreadableFile, _csv_chunks, _pandas_csv_chunks, open_table
from models.csv_arrow import arrow_chunks

HEADER = "id,plan,amount,note,when\n"
PLAIN_ROWS = [
    "C1,basic,49.52,,2024-01-31",
    "C2,,-3,ünïcødé ✓,2023-12-01",
    "C3,premium,1e5,=SUM(A1),",
    "C4,basic,,tab\tinside,2024-02-29",
    "C5,basic,0.1,@x,2024-03-01",
    ",,,,",
]


def _chunks(path: Path, rows: int, reader) -> list[pd.DataFrame] | str:
    table = open_table(path, "csv")
    try:
        return list(reader(table, rows))
    except UnreadableFile as exc:
        return str(exc)


def _same(path: Path, rows: int = 2) -> None:
    fast, slow = _chunks(path, rows, _csv_chunks), _chunks(path, rows, _pandas_csv_chunks)
    if isinstance(slow, str):
        assert fast == slow
        return
    assert len(fast) == len(slow)
    for mine, theirs in zip(fast, slow, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("lf", HEADER + "\n".join(PLAIN_ROWS) + "\n"),
        ("crlf-no-final-newline", (HEADER + "\n".join(PLAIN_ROWS)).replace("\n", "\r\n")),
        ("blank-lines", HEADER + "\n\n".join(PLAIN_ROWS) + "\n\n\n"),
        ("bom", "\ufeff" + HEADER + "\n".join(PLAIN_ROWS) + "\n"),
        ("semicolons", (HEADER + "\n".join(PLAIN_ROWS)).replace(",", ";") + "\n"),
    ],
)
def test_csr001_plain_files_are_read_by_arrow_exactly_as_pandas_reads_them(
    tmp_path: Path, case: str, text: str
) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode())
    table = open_table(path, "csv")
    assert arrow_chunks(path, table.columns, table.delimiter, 2) is not None, case
    for rows in (1, 2, 4, 100):
        _same(path, rows)


@pytest.mark.parametrize(
    ("case", "rows"),
    [
        ("quoted", [*PLAIN_ROWS, 'C6,basic,1,"a, b",2024-01-01']),
        ("space-after-separator", [*PLAIN_ROWS, "C6, basic,1,x,2024-01-01"]),
        ("space-at-line-start", [*PLAIN_ROWS, " C6,basic,1,x,2024-01-01"]),
        ("lone-carriage-return", [*PLAIN_ROWS, "C6,basic,1,a\rb,2024-01-01"]),
        ("short-row", [*PLAIN_ROWS, "C6,basic"]),
        ("long-row", [*PLAIN_ROWS, "C6,basic,1,x,2024-01-01,surplus"]),
        ("whitespace-line", [*PLAIN_ROWS, "\t", "C7,basic,1,x,2024-01-01"]),
    ],
)
def test_csr002_other_files_fall_back_to_pandas_with_its_values_and_messages(
    tmp_path: Path, case: str, rows: list[str]
) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes((HEADER + "\n".join(rows) + "\n").encode())
    for size in (2, 100):
        _same(path, size)
