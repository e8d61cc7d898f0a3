"""A file of outcomes turned into feedback: keyed by prediction id, or by the model's record id.

A record id is matched against the logged features: the record's inputs are read from the
model's data (population or reference) and the newest logged prediction with the same inputs
gets the feedback. Every refused row is reported with its 1-based data row, column and reason.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models.batch_files import UnreadableFile, file_kind, open_table
from models.records import record_source
from models.registry import ModelVersion
from portal.feedback.store import FeedbackItem, FeedbackProblem, FeedbackStore, SubmitResult
from portal.predlog.parsing import typed_features
from portal.predlog.windows import WindowSpec, iter_windows

MAX_ROWS = 100_000
CHUNK_ROWS = 20_000
PREDICTION_ID = "prediction_id"
VERDICT_COLUMNS = ("verdict", "correct")
DIGITS = 6


@dataclasses.dataclass(frozen=True)
class UploadOutcome:
    """The result of one upload: what was stored, or why the whole file was refused."""

    result: SubmitResult | None
    file_error: str | None = None

    @property
    def problems(self) -> list[FeedbackProblem]:
        return self.result.problems if self.result else []


def read_feedback_file(content: bytes, filename: str) -> pd.DataFrame:
    """The file's rows as text columns; UnreadableFile with a plain reason when it cannot be read."""
    kind = file_kind(filename or "upload.csv")
    with tempfile.TemporaryDirectory(prefix="portal-feedback-") as folder:
        path = Path(folder) / f"upload{Path(filename or 'upload.csv').suffix.lower()}"
        path.write_bytes(content)
        table = open_table(path, kind)
        blank = [i + 1 for i, name in enumerate(table.columns) if not str(name).strip()]
        if blank:
            raise UnreadableFile(f"Column {blank[0]} has no name: every column needs a header.")
        chunks = []
        total = 0
        for chunk in table.chunks(CHUNK_ROWS):
            total += len(chunk)
            if total > MAX_ROWS:
                raise UnreadableFile(
                    f"The file has more than {MAX_ROWS:,} rows: split it into smaller files."
                )
            chunks.append(chunk.astype(object).where(chunk.notna(), None))
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=table.columns)


def _columns(frame: pd.DataFrame, record: ModelVersion) -> tuple[str, str | None, str | None]:
    """The key, outcome and verdict columns of the file, or UnreadableFile naming what is expected."""
    names = {str(c).strip().lower(): c for c in frame.columns}
    id_column = record.metadata.get("id_column")
    key = names.get(PREDICTION_ID) or (names.get(id_column.lower()) if id_column else None)
    if key is None:
        expected = PREDICTION_ID + (f" or {id_column}" if id_column else "")
        raise UnreadableFile(f"No key column: the file needs a {expected} column.")
    outcome = names.get("outcome") or names.get(record.target.lower())
    verdict = next((names[c] for c in VERDICT_COLUMNS if c in names), None)
    if outcome is None and verdict is None:
        raise UnreadableFile(
            f"No feedback column: add an outcome (or {record.target}) column, a verdict column "
            "(correct/incorrect), or both."
        )
    return key, outcome, verdict


def upload_feedback(
    store: FeedbackStore, engine: sa.Engine, record: ModelVersion, content: bytes, filename: str
) -> UploadOutcome:
    """Parse, resolve record ids, validate and store; never raises for a bad file."""
    try:
        frame = read_feedback_file(content, filename)
        key, outcome, verdict = _columns(frame, record)
    except UnreadableFile as exc:
        return UploadOutcome(None, str(exc))
    except (ValueError, OSError) as exc:  # anything else a malformed file can raise while parsing
        return UploadOutcome(None, f"The file could not be read as a table: {exc}")
    keys = frame[key].map(lambda v: None if v is None else str(v).strip())
    early: list[FeedbackProblem] = []
    if key != PREDICTION_ID and str(key).lower() != PREDICTION_ID:
        mapping = _record_predictions(engine, record, [k for k in keys if k])
        prediction_ids = []
        for position, record_id in enumerate(keys):
            found = mapping.get(record_id) if record_id else None
            if record_id and found is None:
                early.append(
                    FeedbackProblem(
                        position + 1,
                        str(key),
                        f"no logged prediction of {record.name} for record {record_id!r}",
                    )
                )
            prediction_ids.append(found)
    else:
        prediction_ids = list(keys)
    refused = {p.row for p in early}
    items = [
        FeedbackItem(
            pid or "",
            frame[outcome].iloc[i] if outcome else None,
            frame[verdict].iloc[i] if verdict else None,
            row=i + 1,
        )
        for i, pid in enumerate(prediction_ids)
        if i + 1 not in refused
    ]
    result = store.submit(record.name, items, source="csv")
    problems = sorted([*early, *result.problems], key=lambda p: (p.row or 0, p.column))
    return UploadOutcome(dataclasses.replace(result, problems=problems))


def _row_keys(features: pd.DataFrame) -> pd.Series:
    """A hash of each row's inputs, robust to the JSON round trip of the log (rounded floats)."""
    rounded = features.copy()
    for column in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[column]):
            rounded[column] = rounded[column].round(DIGITS)
        elif pd.api.types.is_datetime64_any_dtype(rounded[column]):
            # The log keeps whole seconds; the unit (ns, us) must agree for equal hashes.
            rounded[column] = rounded[column].dt.floor("s").astype("datetime64[s]")
    return pd.util.hash_pandas_object(rounded, index=False)


def _record_predictions(engine: sa.Engine, record: ModelVersion, record_ids: list[str]) -> dict[str, str]:
    """Record id -> the newest logged prediction of this model whose inputs equal the record's."""
    id_column = record.metadata.get("id_column")
    if not id_column or not record_ids:
        return {}
    try:
        rows = pd.read_parquet(
            record_source(record),
            columns=[id_column, *record.feature_names],
            filters=[(id_column, "in", sorted(set(record_ids)))],
        )
    except (KeyError, ValueError, OSError):
        return {}
    if rows.empty:
        return {}
    schema = record.schema
    wanted = pd.Series(
        rows[id_column].astype(str).to_numpy(), index=_row_keys(typed_features(rows, schema)).to_numpy()
    )
    wanted_keys = set(wanted.index)
    newest: dict[Any, str] = {}
    # Chunks come oldest first, so the last one seen for a key is the newest prediction; only keys
    # the file asks about are kept, so memory follows the file, not the log.
    for chunk in iter_windows(engine, WindowSpec(record.name), schema):
        logged_keys = _row_keys(chunk.features).to_numpy()
        for key_value, pid in zip(logged_keys, chunk.meta["prediction_id"].to_numpy(), strict=True):
            if key_value in wanted_keys:
                newest[key_value] = pid
    mapping: dict[str, str] = {}
    for key_value, record_id in wanted.items():
        pid = newest.get(key_value)
        if pid is not None:
            mapping[record_id] = pid
    return mapping


def problems_frame(problems: list[FeedbackProblem]) -> pd.DataFrame:
    """The per-row error report as a table: row, column, message."""
    return pd.DataFrame(
        {
            "row": [p.row for p in problems],
            "column": [p.column for p in problems],
            "message": [p.message for p in problems],
        },
        columns=["row", "column", "message"],
    ).astype({"row": object})


__all__ = ["UploadOutcome", "problems_frame", "read_feedback_file", "upload_feedback"]
