"""The Feedback page's grid: logged predictions with their latest feedback, filtered, sorted and paged in SQL.

Only the requested block of rows leaves the database, so the page costs the same on a log of a
thousand predictions and of millions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from portal.db.feedback import feedback
from portal.db.prediction_log import prediction_log
from portal.feedback import grid_sql
from portal.predlog.day_counts import logged_per_day
from portal.predlog.windows import WindowSpec

DEFAULT_SORT = [{"colId": "created_at", "sort": "desc"}]
NUMERIC_COLUMNS = ("model_version",)
REQUIRED_COLUMNS = ("created_at", "prediction_id", "model_version", "source")
FEEDBACK_COLUMNS = ("verdict", "outcome", "feedback_user")


def _columns(dialect: str, latest: Any) -> dict[str, Any]:
    """Grid field -> SQL expression, as the grid shows it (times as UTC text to the second)."""
    table = prediction_log.c
    if dialect == "sqlite":
        time_text = sa.func.substr(table.created_at, 1, 19)
        prediction = sa.func.json_extract(table.output, "$.prediction")
        outcome = sa.func.trim(latest.outcome, '"')
    else:
        time_text = sa.func.to_char(sa.func.timezone("UTC", table.created_at), "YYYY-MM-DD HH24:MI:SS")
        prediction = sa.cast(table.output, postgresql.JSON)["prediction"].astext
        outcome = sa.func.btrim(latest.outcome, '"')
    return {
        "created_at": time_text,
        "prediction_id": table.prediction_id,
        "model_version": table.model_version,
        "source": table.source,
        "prediction": sa.cast(prediction, sa.Text),
        "verdict": latest.verdict,
        "outcome": outcome,
        "feedback_user": latest.user_name,
    }


def feedback_page(
    engine: sa.Engine,
    model: str,
    filter_model: Mapping[str, Any] | None,
    sort_model: Sequence[Mapping[str, Any]] | None,
    start: int,
    end: int,
    max_rows: int = 1000,
) -> dict[str, Any]:
    """An ag-grid getRowsResponse: rows start..end, newest first unless the grid sorts otherwise.

    Raises ``models.grid_query.QueryError`` for a filter or sort the grid cannot ask for.
    """
    table = prediction_log.c
    given = feedback.alias("given")
    newest = (
        sa.select(sa.func.max(feedback.c.feedback_id))
        .where(feedback.c.prediction_id == table.prediction_id)
        .scalar_subquery()
    )
    # A lookup per row on the (prediction_id, feedback_id) index: linear in the rows touched, where
    # a join to a grouped subquery made SQLite rescan it for every row.
    source = prediction_log.outerjoin(
        given, sa.and_(given.c.prediction_id == table.prediction_id, given.c.feedback_id == newest)
    )
    columns = _columns(engine.dialect.name, given.c)
    filters = grid_sql.where(filter_model, columns, NUMERIC_COLUMNS)
    clauses = [table.model_name == model, *filters]
    with_feedback = table.prediction_id.in_(
        sa.select(feedback.c.prediction_id).where(feedback.c.model_name == model)
    )
    if _feedback_required(filter_model):
        # No row without feedback can pass, so the rows come from the model's feedback (a lookup
        # per feedback row) instead of a scan of every logged prediction checked for feedback.
        clauses.append(with_feedback)
    # Time order is the stored time's (the index's); newest first, then the newest id, breaks ties,
    # so pages never overlap.
    sort_model = sort_model or DEFAULT_SORT
    sortable = {**columns, "created_at": table.created_at}
    ordering = [*grid_sql.order_by(sort_model, sortable, REQUIRED_COLUMNS)]
    if not any(isinstance(item, Mapping) and item.get("colId") == "created_at" for item in sort_model):
        ordering.append(table.created_at.desc())
    ordering.append(table.prediction_id.desc())
    start = max(0, int(start))
    end = min(max(start, int(end)), start + max_rows)
    shown = [columns[name].label(name) for name in columns if name not in ("prediction", "outcome")]
    selected = sa.select(*shown, table.output, given.c.outcome).select_from(source)

    def block(conditions: list[Any], order: list[Any], offset: int, limit: int) -> list[Any]:
        if limit <= 0:
            return []
        query = selected.where(*conditions).order_by(*order).offset(offset).limit(limit)
        return list(connection.execute(query).mappings().all())

    with engine.connect() as connection:
        leading = sort_model[0].get("colId") if isinstance(sort_model[0], Mapping) else None
        if leading in FEEDBACK_COLUMNS:
            # Sorted on a feedback column, missing values last: the rows that have the value come
            # from the feedback, then the rest in time order over the log's index, with no sort of
            # every logged prediction. ordering[:2] is that column's missing-last and value order.
            present = columns[leading].is_not(None)
            valued = int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(source).where(*clauses, with_feedback, present)
                ).scalar_one()
            )
            rows = block([*clauses, with_feedback, present], ordering, start, min(end, valued) - start)
            if end > valued:
                rest = max(start, valued)
                rows += block([*clauses, sa.not_(present)], ordering[2:], rest - valued, end - rest)
        else:
            rows = block(clauses, ordering, start, end - start)
        total = _count(engine, connection, model, filter_model, source, clauses, with_feedback)
    return {"rowData": [_row(row) for row in rows], "rowCount": total}


def _feedback_required(filter_model: Mapping[str, Any] | None) -> bool:
    """Whether the filters on feedback columns refuse every prediction that has no feedback."""
    if not isinstance(filter_model, Mapping):
        return False
    given = [filter_model[column] for column in FEEDBACK_COLUMNS if column in filter_model]
    return any(not grid_sql.passes_missing(model) for model in given)


def _count(
    engine: sa.Engine,
    connection: sa.Connection,
    model: str,
    filter_model: Any,
    source: Any,
    clauses: list[Any],
    with_feedback: Any,
) -> int:
    """Rows passing the filters: day counts when unfiltered; the feedback join only when filtered on it."""

    def count(*conditions: Any, over: Any = source) -> int:
        query = sa.select(sa.func.count()).select_from(over).where(*conditions)
        return int(connection.execute(query).scalar_one())

    def logged() -> int:
        return int(logged_per_day(engine, WindowSpec(model)).sum())

    if not filter_model:
        return logged()
    if not set(filter_model) & set(FEEDBACK_COLUMNS):
        return count(*clauses, over=prediction_log)
    if set(filter_model) <= set(FEEDBACK_COLUMNS) and not _feedback_required(filter_model):
        # Only feedback columns are filtered, and every prediction without feedback passes: those
        # are all logged rows but the ones with feedback, so only the feedback rows are counted.
        has_feedback = count(prediction_log.c.model_name == model, with_feedback, over=prediction_log)
        return logged() - has_feedback + count(*clauses, with_feedback)
    return count(*clauses)


def _row(row: Mapping[str, Any]) -> dict[str, Any]:
    output = json.loads(row["output"])
    outcome = json.loads(row["outcome"]) if isinstance(row["outcome"], str) else None
    return {
        "created_at": row["created_at"],
        "prediction_id": row["prediction_id"],
        "model_version": int(row["model_version"]),
        "source": row["source"],
        "prediction": _text(output.get("prediction")),
        "verdict": _text(row["verdict"]),
        "outcome": _text(outcome),
        "feedback_user": _text(row["feedback_user"]),
    }


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)
