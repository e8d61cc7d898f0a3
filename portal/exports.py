"""Spreadsheet-safe exports: neutralise cells that Excel or LibreOffice would run as formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with a single
quote (OWASP's advice for CSV injection). Plain numbers, including negative ones, stay numbers.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """One cell: strings that could start a formula get a leading quote; anything else is kept."""
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


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
