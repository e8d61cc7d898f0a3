"""Checking an uploaded table against a model's feature schema, a chunk at a time and in bulk.

``convert_chunk`` turns a chunk of the file's own columns into the model-ready frame (float,
category, datetime64) and lists every problem with its 1-based data row and column: values that
are not numbers or dates, unknown categories, empty required values (errors) and values outside
the training range (warnings, as in the API). Header problems are checked once per file.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models.batch_files import TableFile, duplicate_names
from models.number_parsing import parse_numbers
from models.schema import DATETIME, NUMERIC, FeatureSpec

ERROR = "error"
WARNING = "warning"
FIRST_PROBLEMS = 100
VALIDATION_CHUNK_ROWS = 200_000
_SHOWN_CHARS = 40
# The problems file lists at most this many per column and in all (every problem is still counted),
# so a tiny file of broken rows cannot write gigabytes of error lines.
LISTED_PER_COLUMN = 1_000
LISTED_IN_ALL = 10_000
# Checking stops once this many errors are found, or once a column has been wrong in every row of
# at least ``WHOLLY_WRONG_ROWS`` rows: the file cannot be scored, and the listed problems say why.
STOP_AFTER_ERRORS = 100_000
WHOLLY_WRONG_ROWS = 1_000


@dataclasses.dataclass(frozen=True)
class Problem:
    """One finding; ``row`` is the 1-based data row (None for the whole file)."""

    row: int | None
    column: str
    severity: str
    message: str

    def as_csv_row(self) -> list[str]:
        return ["" if self.row is None else str(self.row), self.column, self.severity, self.message]


@dataclasses.dataclass
class ValidationReport:
    """What checking the whole file found: counts, the first problems, and the full list on disk."""

    rows: int = 0
    errors: int = 0
    warnings: int = 0
    first: list[Problem] = dataclasses.field(default_factory=list)
    extra_columns: list[str] = dataclasses.field(default_factory=list)
    # Set when checking stopped before the end of the file, saying why.
    stopped: str = ""
    listed: int = 0
    errors_by_column: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    listed_by_column: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    unlisted_by_column: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.rows > 0 and not self.stopped

    def add(self, problems: Sequence[Problem], writer: Any) -> None:
        """Count every problem; list it unless its column, or the file, has listed enough already."""
        for problem in problems:
            if problem.severity == ERROR:
                self.errors += 1
                self.errors_by_column[problem.column] += 1
            else:
                self.warnings += 1
            if len(self.first) < FIRST_PROBLEMS:
                self.first.append(problem)
            if self.listed < LISTED_IN_ALL and self.listed_by_column[problem.column] < LISTED_PER_COLUMN:
                writer.writerow(problem.as_csv_row())
                self.listed += 1
                self.listed_by_column[problem.column] += 1
            else:
                self.unlisted_by_column[problem.column] += 1

    def reason_to_stop(self, columns: Sequence[str]) -> str:
        """Why checking more rows is pointless, or "" to go on."""
        wrong = [column for column in columns if self.errors_by_column[column] >= self.rows]
        if wrong and self.rows >= WHOLLY_WRONG_ROWS:
            names = ", ".join(wrong[:5]) + (f" and {len(wrong) - 5} more" if len(wrong) > 5 else "")
            return (
                f"checking stopped after {self.rows:,} rows: every one of them was wrong in {names}; "
                "fix the column(s) and upload the file again"
            )
        if self.errors >= STOP_AFTER_ERRORS:
            return (
                f"checking stopped after {self.rows:,} rows and {self.errors:,} errors: "
                "fix the listed ones first"
            )
        return ""

    def close(self, writer: Any) -> None:
        """Say in the file what was left out of it, and where checking stopped."""
        for column, count in self.unlisted_by_column.items():
            writer.writerow(["", column, "note", f"{count:,} more problem(s) in this column are not listed"])
        if self.stopped:
            writer.writerow(["", "", ERROR, self.stopped])

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "errors": self.errors,
            "warnings": self.warnings,
            "extra_columns": self.extra_columns,
            "stopped": self.stopped,
            "first": [dataclasses.asdict(p) for p in self.first],
        }


def header_problems(columns: Sequence[str], schema: Sequence[FeatureSpec]) -> list[Problem]:
    """Duplicate or blank headers and missing required columns stop scoring; extra columns are kept."""
    problems = []
    duplicates = duplicate_names(list(columns))
    if duplicates:
        problems.append(Problem(None, ", ".join(duplicates), ERROR, "duplicate column header(s)"))
    blanks = [str(i + 1) for i, name in enumerate(columns) if not str(name).strip()]
    if blanks:
        problems.append(Problem(None, "", ERROR, f"column(s) {', '.join(blanks)} have no header"))
    controlled = [str(i + 1) for i, name in enumerate(columns) if _has_control_characters(str(name))]
    if controlled:
        problems.append(
            Problem(
                None,
                "",
                ERROR,
                f"the header of column(s) {', '.join(controlled)} holds control characters; "
                "column names must be plain text",
            )
        )
    present = set(columns)
    names = {spec.name for spec in schema}
    if len(columns) == 1 and columns[0] not in names and len(schema) > 1:
        problems.append(
            Problem(
                None,
                str(columns[0])[:_SHOWN_CHARS],
                ERROR,
                "this does not look like a CSV table: the first line has no comma, semicolon, tab or "
                "pipe separating column names",
            )
        )
        return problems
    for spec in schema:
        if spec.name not in present and spec.required:
            problems.append(Problem(None, spec.name, ERROR, "required column is missing"))
        elif spec.name not in present:
            problems.append(Problem(None, spec.name, WARNING, "optional column is missing; treated as empty"))
    for name in columns:
        if name not in names and str(name).strip():
            problems.append(Problem(None, str(name), WARNING, "not a model input; kept in the output"))
    return problems


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" for char in text)


def validate_table(
    table: TableFile,
    schema: Sequence[FeatureSpec],
    errors_csv: Path,
    progress: Callable[[int], None] | None = None,
    keep: Callable[[pd.DataFrame, pd.DataFrame], None] | None = None,
    neutralise: Callable[[Any], Any] | None = None,
) -> ValidationReport:
    """Check every row; write the problems to ``errors_csv`` and keep the first ones in the report.

    ``keep`` gets each chunk and its converted frame, so scoring can reuse them instead of parsing again.
    ``neutralise`` makes each written cell spreadsheet-safe (a column header may look like a formula).
    """
    report = ValidationReport()
    names = {spec.name for spec in schema}
    report.extra_columns = [c for c in table.columns if c not in names]
    partial = errors_csv.with_name(errors_csv.name + ".part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = _SafeWriter(csv.writer(handle), neutralise)
        writer.writerow(["row", "column", "severity", "message"])
        report.add(header_problems(table.columns, schema), writer)
        if report.errors == 0:
            checked = [spec.name for spec in schema if spec.name in set(table.columns)]
            for chunk in table.chunks(VALIDATION_CHUNK_ROWS):
                features, problems = convert_chunk(chunk, schema, report.rows)
                if keep is not None:
                    keep(chunk, features)
                report.rows += len(chunk)
                report.add(problems, writer)
                if progress is not None:
                    progress(report.rows)
                report.stopped = report.reason_to_stop(checked)
                if report.stopped:
                    break
            if report.rows == 0:
                report.add([Problem(None, "", ERROR, "the file has no data rows")], writer)
        report.close(writer)
    partial.replace(errors_csv)
    return report


class _SafeWriter:
    """A csv writer whose cells pass through ``neutralise`` first."""

    def __init__(self, writer: Any, neutralise: Callable[[Any], Any] | None) -> None:
        self.writer = writer
        self.neutralise = neutralise

    def writerow(self, row: Sequence[Any]) -> None:
        self.writer.writerow(row if self.neutralise is None else [self.neutralise(cell) for cell in row])


def convert_chunk(
    chunk: pd.DataFrame, schema: Sequence[FeatureSpec], offset: int
) -> tuple[pd.DataFrame, list[Problem]]:
    """The model-ready frame for a chunk and its problems in row-major order; ``offset`` rows precede it."""
    found: list[tuple[int, int, Problem]] = []
    data: dict[str, Any] = {}
    for order, spec in enumerate(schema):
        if spec.name not in chunk.columns:
            data[spec.name] = _empty(spec, len(chunk))
            continue
        converter = {NUMERIC: _numeric, DATETIME: _datetime}.get(spec.kind, _categorical)
        values, issues = converter(spec, chunk[spec.name])
        data[spec.name] = values
        for position, severity, message in issues:
            row = offset + position + 1
            found.append((row, order, Problem(row, spec.name, severity, message)))
    found.sort(key=lambda item: item[:2])
    # Categories stay plain object columns: pandas would otherwise convert them to its Arrow-backed
    # "str" dtype, and the model's encoders convert them straight back (both slow for big chunks).
    columns = {
        name: pd.Series(values, dtype=object, copy=False) if _is_object(values) else values
        for name, values in data.items()
    }
    return pd.DataFrame(columns), [problem for _, _, problem in found]


def _is_object(values: Any) -> bool:
    return isinstance(values, np.ndarray) and values.dtype == np.dtype(object)


Issue = tuple[int, str, str]


def _empty(spec: FeatureSpec, rows: int) -> Any:
    if spec.kind == NUMERIC:
        return np.full(rows, np.nan)
    if spec.kind == DATETIME:
        return np.full(rows, np.datetime64("NaT"), dtype="datetime64[ns]")
    return np.full(rows, np.nan, dtype=object)


def _text(column: pd.Series) -> pd.Series:
    """Cells as stripped text with missing as NA (only used for non-numeric, non-date columns)."""
    if pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column):
        return column.str.strip().replace("", pd.NA)
    return column.map(_cell_text, na_action="ignore")


def _cell_text(value: Any) -> Any:
    if isinstance(value, float):
        if np.isnan(value):
            return pd.NA
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    text = str(value).strip()
    return text if text else pd.NA


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "...")


def _missing_issues(spec: FeatureSpec, missing: np.ndarray) -> list[Issue]:
    if not spec.required:
        return []
    return [(int(i), ERROR, "is required but empty") for i in np.flatnonzero(missing)]


def _numeric(spec: FeatureSpec, column: pd.Series) -> tuple[np.ndarray, list[Issue]]:
    issues: list[Issue] = []
    if pd.api.types.is_bool_dtype(column):
        column = column.astype(float)
    if pd.api.types.is_numeric_dtype(column):
        numbers = column.to_numpy(dtype=float, na_value=np.nan, copy=True)
        missing = np.isnan(numbers)
        bad = np.zeros(len(numbers), dtype=bool)
        raw = column
    else:
        raw = column.str.strip() if pd.api.types.is_string_dtype(column) else column
        if pd.api.types.is_object_dtype(raw):
            raw = raw.map(lambda v: v.strip() if isinstance(v, str) else v)
        raw = raw.replace("", np.nan)
        missing = raw.isna().to_numpy()
        numbers = parse_numbers(raw)
        bad = np.isnan(numbers) & ~missing
        for i in np.flatnonzero(bad):
            issues.append((int(i), ERROR, f"{_shown(raw.iloc[i])} is not a number"))
    infinite = np.isinf(numbers)
    for i in np.flatnonzero(infinite):
        issues.append((int(i), ERROR, "must be a finite number, not infinity"))
    issues += _missing_issues(spec, missing)
    if spec.minimum is not None and spec.maximum is not None:
        with np.errstate(invalid="ignore"):
            outside = ~infinite & ((numbers < spec.minimum) | (numbers > spec.maximum))
        for i in np.flatnonzero(outside):
            issues.append(
                (
                    int(i),
                    WARNING,
                    f"{numbers[i]:g} is outside the training range [{spec.minimum:g}, {spec.maximum:g}]",
                )
            )
    numbers[bad | infinite] = np.nan
    return numbers, issues


def _category_lookup(spec: FeatureSpec) -> dict[str, Any] | None:
    if spec.categories is None:
        return None
    lookup: dict[str, Any] = {}
    for category in spec.categories:
        if isinstance(category, bool):
            for text in (str(category), str(category).lower(), str(category).upper(), str(int(category))):
                lookup.setdefault(text, category)
        else:
            lookup.setdefault(
                _cell_text(category) if isinstance(category, float) else str(category), category
            )
    return lookup


def _categorical(spec: FeatureSpec, column: pd.Series) -> tuple[np.ndarray, list[Issue]]:
    text = _text(column)
    missing = text.isna().to_numpy()
    issues = _missing_issues(spec, missing)
    lookup = _category_lookup(spec)
    if lookup is None:
        return text.astype(object).where(~missing, np.nan).to_numpy(dtype=object), issues
    # Hashing into the allowed texts in bulk; -1 marks a value that is not among them.
    codes = _category_codes(text, list(lookup))
    canonical = np.array([*lookup.values(), np.nan], dtype=object)
    values = canonical[codes]
    unknown = (codes == -1) & ~missing
    if unknown.any():
        allowed = ", ".join(repr(c) for c in spec.categories[:20])
        more = "" if len(spec.categories) <= 20 else f" (+{len(spec.categories) - 20} more)"
        for i in np.flatnonzero(unknown):
            issues.append(
                (int(i), ERROR, f"unknown category {_shown(text.iloc[i])}; allowed: {allowed}{more}")
            )
    return values, issues


def _category_codes(text: pd.Series, keys: list[Any]) -> np.ndarray:
    """Each cell's position among ``keys``, -1 when absent; Arrow hashes its own strings without copying."""
    arrow = isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow"
    if arrow and all(isinstance(key, str) for key in keys):
        cells = pa.array(text.array)
        found = pc.index_in(cells, value_set=pa.array(keys, cells.type))
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.intp)
    return pd.Index(keys, dtype=object).get_indexer(text.astype(object))


def _datetime(spec: FeatureSpec, column: pd.Series) -> tuple[np.ndarray, list[Issue]]:
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = column.dt.tz_convert(None) if getattr(column.dt, "tz", None) is not None else column
        stamps = stamps.astype("datetime64[ns]")
        missing = stamps.isna().to_numpy()
        return stamps.to_numpy(), _missing_issues(spec, missing)
    text = _text(column)
    missing = text.isna().to_numpy()
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    stamps = parsed.dt.tz_convert(None).astype("datetime64[ns]")
    bad = stamps.isna().to_numpy() & ~missing
    issues = _missing_issues(spec, missing)
    for i in np.flatnonzero(bad):
        issues.append((int(i), ERROR, f"{_shown(text.iloc[i])} is not a date such as 2024-01-31"))
    return stamps.to_numpy(), issues
