"""Spreadsheet-safe exports: neutralise cells that Excel or LibreOffice would run as formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with a single
quote (OWASP's advice for CSV injection). Plain numbers, including negative ones, stay numbers.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PREFIX_BYTES = np.zeros(256, dtype=bool)
_PREFIX_BYTES[[ord(prefix) for prefix in FORMULA_PREFIXES]] = True
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """One cell: strings that could start a formula get a leading quote; anything else is kept."""
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def formula_starts(column: pd.Series) -> np.ndarray:
    """For an Arrow-backed text column: which cells start with a formula prefix (missing ones do not).

    Every prefix is one ASCII byte, which in UTF-8 is never part of another character, so the
    first byte of each cell decides; reading those bytes from Arrow's buffers avoids a string scan.
    """
    starts = np.zeros(len(column), dtype=bool)
    done = 0
    text = pa.array(column.array)
    for chunk in text.chunks if isinstance(text, pa.ChunkedArray) else [text]:
        _, offsets_buffer, data = chunk.buffers()
        if len(chunk) and data is not None and len(data):
            width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            offsets = np.frombuffer(offsets_buffer, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
            first = np.frombuffer(data, dtype=np.uint8)[np.minimum(offsets[:-1], len(data) - 1)]
            hit = _PREFIX_BYTES[first] & (offsets[1:] > offsets[:-1])
            if chunk.null_count:
                hit &= chunk.is_valid().to_numpy(zero_copy_only=False)
            starts[done : done + len(chunk)] = hit
        done += len(chunk)
    return starts


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell is neutralised; numeric columns are untouched."""
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        values = column.to_numpy(dtype=object)
        text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
        if text.any():
            values = values.copy()
            values[text] = [neutralise(v) for v in values[text]]
            safe[name] = pd.Series(values, index=column.index, dtype=object)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe


def to_safe_csv(frame: pd.DataFrame) -> str:
    """CSV text of the frame with formula-looking cells (and headers) neutralised."""
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False)
    return buffer.getvalue()
