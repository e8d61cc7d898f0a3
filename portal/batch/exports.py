"""Downloads of a scored batch in other formats, built from its (already neutralised) Parquet result.

XLSX is built on first request and cached next to the result (temp file renamed into place).
"""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow.parquet as pq

EXCEL_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
RESULT_XLSX = "result.xlsx"


class TooManyRowsForExcel(ValueError):
    """Excel cannot hold the result; the message points to CSV or Parquet."""


def xlsx_from_parquet(source: Path, target: Path) -> Path:
    """Write ``target`` from ``source`` a batch at a time, numbers as numbers and text as text."""
    # Deferred for start-up cost: openpyxl takes about 0.7 s to import and only XLSX downloads need it.
    from openpyxl import Workbook

    parquet = pq.ParquetFile(source)
    rows = parquet.metadata.num_rows
    if rows > EXCEL_MAX_ROWS:
        raise TooManyRowsForExcel(
            f"{rows:,} rows do not fit in one Excel sheet ({EXCEL_MAX_ROWS:,} at most): "
            "download CSV or Parquet."
        )
    if target.exists():
        return target
    part = target.with_name(target.name + ".part")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("scored")
    sheet.append(parquet.schema_arrow.names)
    for batch in parquet.iter_batches(batch_size=20_000):
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            sheet.append([_cell(value) for value in row])
    workbook.save(part)
    part.replace(target)
    return target


def _cell(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
