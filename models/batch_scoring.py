"""Scoring an uploaded table in chunks, writing the result to temp files renamed into place at the end.

Memory is bounded by the chunk size. The result keeps the input columns in order (numeric model
inputs as numbers) and appends ``prediction``, one ``probability_<class>`` per class for
classifiers, and ``prediction_id``. Every cell is neutralised against spreadsheet formulas. A
job that dies or is cancelled leaves only ``*.part`` files, which are never served.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from opentelemetry import trace

from models.batch_csv import csv_bytes
from models.batch_files import TableFile
from models.batch_validation import ERROR, convert_chunk
from models.inference import Prediction, predict_uncached
from models.prediction_ids import new_prediction_ids
from models.registry import LoadedModel
from models.schema import NUMERIC, FeatureSpec

# A no-op unless the process installed a tracer provider (portal.web.tracing).
_tracer = trace.get_tracer("portal.models")

SCORING_CHUNK_ROWS = 100_000
RESULT_CSV = "result.csv"
RESULT_PARQUET = "result.parquet"


class ScoringStopped(Exception):
    """Raised by a progress hook to stop scoring (the job was cancelled)."""


class ChangedFile(ValueError):
    """The file no longer validates (it changed after validation); nothing was written."""


@dataclasses.dataclass(frozen=True)
class ScoredChunk:
    """What a chunk hook gets: the model inputs, the prediction, its ids, and rows done so far."""

    features: pd.DataFrame
    prediction: Prediction
    ids: list[str]
    rows_done: int


def prediction_columns(columns: Sequence[str], classes: Sequence[object], task: str) -> dict[str, str]:
    """Names for the appended columns that never collide with an input column."""
    taken = set(columns)

    def free(name: str) -> str:
        candidate, number = name, 1
        while candidate in taken:
            candidate = f"{name}_{number}"
            number += 1
        taken.add(candidate)
        return candidate

    names = {"prediction": free("prediction")}
    if task == "classification":
        for label in classes:
            names[f"p:{label}"] = free(f"probability_{label}")
    names["prediction_id"] = free("prediction_id")
    return names


def result_frame(
    chunk: pd.DataFrame,
    features: pd.DataFrame,
    schema: Sequence[FeatureSpec],
    prediction: Prediction,
    ids: list[str],
    names: dict[str, str],
) -> pd.DataFrame:
    """The input chunk as read, with the prediction columns appended."""
    out = chunk.copy(deep=False)
    out[names["prediction"]] = prediction.predictions
    if prediction.probabilities is not None:
        probabilities = np.asarray(prediction.probabilities, dtype=float)
        for index, label in enumerate(prediction.classes):
            out[names[f"p:{label}"]] = probabilities[:, index]
    out[names["prediction_id"]] = ids
    return out


def score_table(
    table: TableFile,
    loaded: LoadedModel,
    folder: Path,
    on_chunk: Callable[[ScoredChunk], None],
    neutralise: Callable[[pd.DataFrame], pd.DataFrame],
    chunk_rows: int = SCORING_CHUNK_ROWS,
    converted: Iterator[tuple[pd.DataFrame, pd.DataFrame]] | None = None,
) -> int:
    """Score every row into ``folder/result.csv`` and ``result.parquet``; returns the rows scored.

    ``neutralise`` makes cells formula-safe (the portal passes ``portal.exports.safety.neutralise_frame``).
    ``converted`` are the (chunk, model-ready frame) pairs validation kept; without them the file
    is read and converted again.
    """
    schema = loaded.version.schema
    names = prediction_columns(table.columns, loaded.version.classes, loaded.version.task)
    csv_part = folder / (RESULT_CSV + ".part")
    parquet_part = folder / (RESULT_PARQUET + ".part")
    writer: pq.ParquetWriter | None = None
    arrow_schema: pa.Schema | None = None
    done = 0
    try:
        with csv_part.open("wb") as handle:
            pairs = converted if converted is not None else _converted(table, schema, chunk_rows)
            for chunk, features in pairs:
                with _tracer.start_as_current_span("batch chunk") as span:
                    span.set_attributes({"batch.rows": len(chunk), "batch.rows_before": done})
                    prediction = predict_uncached(loaded, features, arrays=True)
                    ids = new_prediction_ids(len(chunk))
                    safe = neutralise(result_frame(chunk, features, schema, prediction, ids, names))
                    # CSV keeps the input text exactly; Parquet (and the XLSX made from it) holds numeric
                    # inputs as numbers. Valid numbers are never neutralised, so the two agree.
                    write_csv_chunk(safe, handle, header=done == 0)
                    typed = _numeric_inputs(safe, chunk, features, schema)
                    if arrow_schema is None:
                        arrow_schema = _stable_schema(typed)
                        writer = pq.ParquetWriter(parquet_part, arrow_schema)
                    writer.write_table(
                        pa.Table.from_pandas(
                            _for_arrow(typed, arrow_schema), schema=arrow_schema, preserve_index=False
                        )
                    )
                    done += len(chunk)
                on_chunk(ScoredChunk(features, prediction, ids, done))
        if writer is not None:
            writer.close()
            writer = None
        csv_part.replace(folder / RESULT_CSV)
        parquet_part.replace(folder / RESULT_PARQUET)
        return done
    except BaseException:
        if writer is not None:
            writer.close()
        csv_part.unlink(missing_ok=True)
        parquet_part.unlink(missing_ok=True)
        raise


def _converted(
    table: TableFile, schema: Sequence[FeatureSpec], chunk_rows: int
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Read and convert the file again, refusing it when it no longer validates."""
    done = 0
    for chunk in table.chunks(chunk_rows):
        features, problems = convert_chunk(chunk, schema, done)
        if any(p.severity == ERROR for p in problems):
            raise ChangedFile("the file no longer passes validation; upload it again")
        done += len(chunk)
        yield chunk, features


def write_csv_chunk(frame: pd.DataFrame, handle: Any, header: bool) -> None:
    """RFC 4180 CSV: CRLF line ends, so a cell holding a bare CR or LF is quoted and rows stay intact.

    ``handle`` is a binary file, or a text one opened with ``newline=""``.
    """
    data = csv_bytes(frame, header)
    handle.write(data.decode("utf-8") if isinstance(handle, io.TextIOBase) else data)


def _numeric_inputs(
    safe: pd.DataFrame, chunk: pd.DataFrame, features: pd.DataFrame, schema: Sequence[FeatureSpec]
) -> pd.DataFrame:
    """The safe frame with numeric model inputs replaced by their parsed values (same positions)."""
    typed = safe.copy(deep=False)
    positions = {name: index for index, name in enumerate(chunk.columns)}
    for spec in schema:
        if spec.kind == NUMERIC and spec.name in positions:
            typed.isetitem(positions[spec.name], features[spec.name].to_numpy())
    return typed


def _stable_schema(frame: pd.DataFrame) -> pa.Schema:
    """Arrow types from the first chunk; text-like (and all-empty) columns are strings in every chunk."""
    fields = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            kind = pa.bool_()
        elif pd.api.types.is_integer_dtype(column):
            kind = pa.int64()
        elif pd.api.types.is_float_dtype(column):
            kind = pa.float64()
        elif pd.api.types.is_datetime64_any_dtype(column):
            kind = pa.timestamp("ns")
        else:
            kind = pa.string()
        fields.append(pa.field(str(name), kind))
    return pa.schema(fields)


def _for_arrow(frame: pd.DataFrame, schema: pa.Schema) -> pd.DataFrame:
    """Cast each column to the fixed schema (text columns become strings, missing stays missing)."""
    out = frame.copy()
    out.columns = [field.name for field in schema]
    for field in schema:
        column = out[field.name]
        if field.type == pa.string():
            if pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column):
                continue  # already text with missing as NA (pandas' string dtype): nothing to cast
            out[field.name] = column.map(
                lambda v: v if isinstance(v, str) else (None if pd.isna(v) else str(v))
            )
        elif field.type == pa.float64():
            out[field.name] = pd.to_numeric(column, errors="coerce").astype(float)
    return out
