"""The JSON text of prediction-log rows (features and outputs), built a column at a time for big chunks.

``feature_documents`` encodes each distinct value of a column once and assembles rows with Arrow,
which releases the GIL: a batch logs on a second thread while the first keeps scoring. Floats are
written with their shortest round-trip digits, so a logged feature reads back as exactly the value
the model saw (pandas' JSON writer keeps ten decimals: 1e-11 became 0.0); everything else is the
text pandas' ``to_json(orient="records")`` gives.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models.inference import Prediction
from models.number_text import float_text

_JSON_OPTIONS = {"orient": "records", "lines": True, "date_format": "iso", "date_unit": "s"}
# Only for frames with repeated column names; the most digits pandas' writer keeps.
_FALLBACK_OPTIONS = {**_JSON_OPTIONS, "double_precision": 15}
_VALUE_KEY = '{"v":'
_EMPTY = pa.scalar("", pa.large_string())
# Up to this many rows, Python text per column beats Arrow's fixed cost (a 1-row predict paid 88 ms).
ROW_WISE_ROWS = 1500
# Up to this many rows, each cell is written by its own call, without bulk steps.
FEW_ROWS = 8
# Up to this many distinct values, a column's texts are written one by one with the row-wise
# writers: a pandas or Arrow call per column costs about 0.5 ms whatever its length, which was most
# of a 1,000-row request's log documents.
PYTHON_TEXT_VALUES = 512


def pandas_documents(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row from pandas' JSON writer (dates as ISO text, floats to 15 decimals)."""
    if frame.empty:
        return []
    # pandas' JSON writer reads plain object columns faster than its Arrow-backed string columns.
    text_columns = [name for name, column in frame.items() if _arrow_text(column)]
    if text_columns:
        frame = frame.astype(dict.fromkeys(text_columns, object))
    return frame.to_json(**_FALLBACK_OPTIONS).rstrip("\n").split("\n")


def feature_documents(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row, built from each column's distinct values (or all of an odd column's).

    Up to ``ROW_WISE_ROWS`` rows of plain columns are written by Python's own number and string
    formatting instead (``row_documents``), with the same bytes; property tests hold the paths to that.
    """
    if frame.empty or not frame.columns.is_unique:
        return pandas_documents(frame)
    if len(frame) <= ROW_WISE_ROWS:
        documents = row_documents(frame)
        if documents is not None:
            return documents
    return column_documents(frame)


def column_documents(frame: pd.DataFrame) -> list[str]:
    """The batch path: each column's distinct values encoded once, rows assembled with Arrow."""
    pieces = []
    last = frame.shape[1] - 1
    for position, (name, column) in enumerate(frame.items()):
        coded = _distinct(column)
        codes, uniques = (
            coded if coded is not None else (np.arange(len(column)), column.reset_index(drop=True))
        )
        opening = "{" if position == 0 else ""
        closing = "}" if position == last else ""
        entries = _value_texts(uniques)
        entries = pc.binary_join_element_wise(
            pa.scalar(opening + _key_text(name) + ":", pa.large_string()),
            entries,
            pa.scalar(closing, pa.large_string()),
            _EMPTY,
        )
        pieces.append(entries.take(pa.array(np.where(codes < 0, len(entries) - 1, codes))))
    rows = pc.binary_join_element_wise(*pieces, pa.scalar(",", pa.large_string()))
    return rows.to_pylist()


def _arrow_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column)


def _distinct(column: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """Codes into the column's distinct values (-1 for missing text), or None when pandas must encode it.

    Floats and dates are told apart by their bits, so -0.0 and 0.0, or NaN payloads, never merge.
    """
    dtype = column.dtype
    values = column.to_numpy() if isinstance(dtype, np.dtype) else None
    if values is not None and dtype.kind in "fM" and dtype.itemsize == 8:
        codes, bits = pd.factorize(values.view(np.int64))
        return codes, pd.Series(bits.view(dtype))
    if values is not None and dtype.kind in "iub":
        codes, uniques = pd.factorize(values)
        return codes, pd.Series(uniques)
    if values is not None and dtype == np.dtype(object) and _plain_text(values):
        codes, uniques = pd.factorize(values)
        return codes, pd.Series(uniques, dtype=object)
    if _arrow_text(column) and not isinstance(dtype, np.dtype):
        codes, uniques = pd.factorize(column)
        return codes, pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    return None


def _plain_text(values: np.ndarray) -> bool:
    """Every cell is a str, None or NaN (mixed objects would merge equal values such as 1 and 1.0)."""
    missing = pd.isna(values)
    if not all(value is None or isinstance(value, float) for value in values[missing]):
        return False
    return pd.api.types.infer_dtype(values[~missing], skipna=False) in ("string", "empty")


def _value_texts(uniques: pd.Series) -> pa.Array:
    """The JSON text of each distinct value, then ``null`` (for code -1)."""
    if len(uniques) <= PYTHON_TEXT_VALUES:
        texts = _written_texts(uniques)
        if texts is not None:
            return pa.array(texts, pa.large_string())
    if uniques.dtype.kind == "f":
        numbers = uniques.to_numpy(dtype=np.float64)
        texts = float_text(numbers, nan="null").to_numpy(zero_copy_only=False)
        texts[np.isinf(numbers)] = "null"  # as pandas writes it: JSON has no infinity
        return pa.array([*texts, "null"], pa.large_string())
    lines = []
    if len(uniques):
        lines = pd.DataFrame({"v": uniques}).to_json(**_JSON_OPTIONS).rstrip("\n").split("\n")
    texts = pa.array([*lines, _VALUE_KEY + "null}"], pa.large_string())
    return pc.utf8_slice_codeunits(texts, len(_VALUE_KEY), -1)


def _written_texts(uniques: pd.Series) -> list[str] | None:
    """``_value_texts`` by the row-wise writers (same bytes), or None when a value needs pandas."""
    writer = _cell_writer(uniques)
    if writer is None:
        return None
    texts = list(map(writer, uniques.to_numpy(dtype=object)))
    if None in texts:
        return None
    texts.append("null")
    return texts


@functools.lru_cache(maxsize=4096)
def _key_text(name: Any) -> str:
    """A column name as pandas' JSON writer quotes it (cached: a model has a fixed set of names)."""
    text = pd.DataFrame([[0]], columns=[name]).to_json(orient="records", lines=True).strip()
    return text[1 : text.rindex(":")]


def row_documents(frame: pd.DataFrame) -> list[str] | None:
    """The rows as ``column_documents`` writes them, by the cell writers; None when a column needs pandas.

    Each column's texts come from one pass over its values (distinct ones written once), and a row
    is one ``%`` of a template holding the quoted keys: no Python call per cell.
    """
    if len(frame) <= FEW_ROWS:
        return _cell_documents(frame)
    columns = []
    for _, column in frame.items():
        texts = _column_texts(column)
        if texts is None:
            return None
        columns.append(texts)
    template = _row_template(tuple(frame.columns))
    return [template % cells for cells in zip(*columns, strict=True)]


@functools.lru_cache(maxsize=256)
def _row_template(names: tuple[Any, ...]) -> str:
    """``{"a":%s,"b":%s}`` for these column names, keys quoted as pandas' writer quotes them."""
    return "{" + ",".join(_key_text(name).replace("%", "%%") + ":%s" for name in names) + "}"


def _cell_documents(frame: pd.DataFrame) -> list[str] | None:
    """``row_documents`` for a few rows: one writer call per cell is cheaper than any bulk step."""
    writers = []
    for name, column in frame.items():
        writer = _cell_writer(column)
        if writer is None:
            return None
        writers.append((_key_text(name) + ":", writer, column.to_numpy(dtype=object)))
    rows = []
    for position in range(len(frame)):
        cells = []
        for key, writer, values in writers:
            text = writer(values[position])
            if text is None:
                return None
            cells.append(key + text)
        rows.append("{" + ",".join(cells) + "}")
    return rows


def _column_texts(column: pd.Series) -> list[str] | None:
    """Every cell's text as its cell writer gives it, or None when a value needs pandas."""
    writer = _cell_writer(column)
    if writer is None:
        return None
    if writer is _float_cell:
        numbers = column.to_numpy()
        if np.isfinite(numbers).all():
            return list(map(float.__repr__, numbers.tolist()))
        return list(map(_float_cell, numbers.tolist()))
    if writer is _int_cell:
        return list(map(int.__repr__, column.to_numpy().tolist()))
    if writer is _bool_cell:
        return list(map(_BOOL_TEXT.__getitem__, column.to_numpy().tolist()))
    # Dates and text: each distinct value written once, then looked up by its code.
    if writer is _datetime_cell:
        codes, bits = pd.factorize(column.to_numpy().view(np.int64))
        if column.dtype == np.dtype("datetime64[ns]"):
            # The cell writer's cast to whole seconds, on all distinct values at once.
            texts = np.datetime_as_string(bits.view("datetime64[ns]").astype("datetime64[s]")).tolist()
            texts = [_NULL if text == "NaT" else '"' + text + '"' for text in texts]
            return list(map(texts.__getitem__, codes.tolist()))
        uniques = column.iloc[_first_positions(codes, len(bits))].to_numpy(dtype=object)
    else:
        return _object_texts(column.to_numpy(dtype=object))
    texts = [writer(value) for value in uniques]
    if None in texts:
        return None
    texts.append("null")  # code -1: a missing value
    return list(map(texts.__getitem__, codes.tolist()))


_BOOL_TEXT = {True: "true", False: "false"}
_NULL = "null"


def _object_texts(values: np.ndarray) -> list[str] | None:
    """Texts of an object column through a memo of its distinct values (by hash, not by pandas' NA rules).

    Only text and the missing markers have a writer, and no str equals another type, so the memo
    never merges values the cell writer would tell apart.
    """
    try:
        memo = {value: _object_cell(value) for value in set(values.tolist())}
    except TypeError:  # an unhashable cell: not plain text
        return None
    if None in memo.values():
        return None
    return list(map(memo.__getitem__, values.tolist()))


def _first_positions(codes: np.ndarray, count: int) -> np.ndarray:
    """Where each code first appears, in code order (``pd.factorize`` numbers values by first sight)."""
    first = np.full(count, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def _cell_writer(column: pd.Series) -> Callable[[Any], str | None] | None:
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        if dtype == np.float64:
            return _float_cell
        if dtype.kind in "iu":
            return _int_cell
        if dtype.kind == "b":
            return _bool_cell
        if dtype.kind == "M" and dtype.itemsize == 8:
            return _datetime_cell
        if dtype == np.dtype(object):
            return _object_cell
        return None
    return _object_cell if isinstance(dtype, pd.StringDtype) else None


def _float_cell(value: Any) -> str:
    number = float(value)
    return repr(number) if math.isfinite(number) else "null"


def _int_cell(value: Any) -> str:
    return str(int(value))


def _bool_cell(value: Any) -> str:
    return "true" if value else "false"


def _datetime_cell(value: Any) -> str:
    if pd.isna(value):
        return "null"
    # pandas' writer floors to whole seconds (date_unit="s"), before 1970 too.
    return '"' + str(np.datetime64(value, "ns").astype("datetime64[s]")) + '"'


def _object_cell(value: Any) -> str | None:
    """Text, or null for None/NaN; any other object goes to pandas (it would merge 1 and 1.0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "null"
    if type(value) is not str:
        return None
    return _string_text(value)


_UJSON_DIFFERENCES = re.compile(r"\\u007f|\\.|/")


def _string_text(text: str) -> str:
    """A string as pandas' writer escapes it: ASCII only as ``json.dumps``, but ``\\/`` and a raw DEL."""
    quoted = json.dumps(text)
    if "/" not in text and "\x7f" not in text:
        return quoted
    return _UJSON_DIFFERENCES.sub(_ujson_escape, quoted)


def _ujson_escape(match: re.Match[str]) -> str:
    found = match.group()
    if found == "/":
        return "\\/"
    return "\x7f" if found == "\\u007f" else found


def output_documents(prediction: Prediction) -> list[str]:
    """One JSON output per row: the prediction and, for classifiers, class probabilities."""
    values = _json_values(prediction.predictions)
    parts: list[Any] = ['{"prediction":', values]
    if prediction.probabilities is not None:
        probabilities = np.asarray(prediction.probabilities, dtype=float)
        if not np.isfinite(probabilities).all():
            return pandas_outputs(prediction)
        parts.append(',"probabilities":{')
        for index, label in enumerate(prediction.classes):
            parts += ["," if index else "", json.dumps(str(label)) + ":", float_text(probabilities[:, index])]
        parts.append("}")
    parts.append("}")
    pieces = [part if isinstance(part, pa.Array) else pa.scalar(part, pa.string()) for part in parts]
    return pc.binary_join_element_wise(*pieces, pa.scalar("", pa.string())).to_pylist()


def _json_values(values: Sequence[Any]) -> pa.Array:
    """JSON text of each value; plain ints and finite floats are formatted in bulk."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return pc.cast(pa.array(array), pa.string())
    if array.dtype == np.float64 and np.isfinite(array).all():
        return float_text(array)
    return pa.array(_pandas_json_values(values).tolist(), pa.string())


def pandas_outputs(prediction: Prediction) -> list[str]:
    """The reference: outputs built with pandas string arithmetic (also used for non-finite probabilities)."""
    values = _pandas_json_values(prediction.predictions)
    if prediction.probabilities is None:
        return ('{"prediction":' + values + "}").tolist()
    probabilities = np.asarray(prediction.probabilities, dtype=float)
    parts = '{"prediction":' + values + ',"probabilities":{'
    for index, label in enumerate(prediction.classes):
        number = pd.Series(probabilities[:, index]).astype(str)
        parts = parts + ("," if index else "") + json.dumps(str(label)) + ":" + number
    return (parts + "}}").tolist()


def _pandas_json_values(values: Sequence[Any]) -> pd.Series:
    """JSON text of each value; plain ints and finite floats are formatted in bulk."""
    series = pd.Series(values)
    if pd.api.types.is_integer_dtype(series) or (
        pd.api.types.is_float_dtype(series) and np.isfinite(series.to_numpy()).all()
    ):
        return series.astype(str)
    return series.astype(object).map(json.dumps)
