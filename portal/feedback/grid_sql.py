"""ag-grid filter and sort models as SQL, so a grid over the prediction log pages in the database.

The semantics follow ``models.grid_query`` (which does the same in pandas for scored populations):
text filters ignore case, a missing value never ``contains``/``equals`` anything and always passes
``notContains``/``notEqual``, and missing values sort last whatever the direction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from models.grid_query import QueryError, filter_number

TEXT_FILTERS = ("contains", "notContains", "equals", "notEqual", "startsWith", "endsWith")
NUMBER_FILTERS = {
    "equals": lambda column, value: column == value,
    "notEqual": lambda column, value: column != value,
    "greaterThan": lambda column, value: column > value,
    "greaterThanOrEqual": lambda column, value: column >= value,
    "lessThan": lambda column, value: column < value,
    "lessThanOrEqual": lambda column, value: column <= value,
}


def _like(needle: str, prefix: str, suffix: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return prefix + escaped + suffix


def _text_condition(expression: Any, kind: str, needle: str) -> Any:
    text = sa.func.lower(sa.cast(expression, sa.Text))
    if kind in ("equals", "notEqual"):
        matched = sa.func.coalesce(text == needle, False)
    else:
        prefix = "" if kind == "startsWith" else "%"
        suffix = "" if kind == "endsWith" else "%"
        matched = sa.func.coalesce(text.like(_like(needle, prefix, suffix), escape="\\"), False)
    return sa.not_(matched) if kind in ("notContains", "notEqual") else matched


def _condition(expression: Any, condition: Any, column: str, numeric: bool) -> Any:
    if not isinstance(condition, Mapping):
        raise QueryError(f"filter on {column!r} must be an object")
    kind = condition.get("type")
    filter_type = condition.get("filterType", "text")
    text = sa.cast(expression, sa.Text)
    if kind == "blank":
        return sa.or_(expression.is_(None), text == "")
    if kind == "notBlank":
        return sa.and_(expression.is_not(None), text != "")
    if filter_type == "text":
        if kind not in TEXT_FILTERS:
            raise QueryError(f"text filter {kind!r} on {column!r} is not supported")
        value = condition.get("filter")
        return _text_condition(expression, kind, str(value if value is not None else "").lower())
    if filter_type == "number":
        if not numeric:
            raise QueryError(f"column {column!r} is not numeric")
        low = condition.get("filter")
        if kind == "inRange":
            return expression.between(
                filter_number(low, column), filter_number(condition.get("filterTo"), column)
            )
        if kind not in NUMBER_FILTERS:
            raise QueryError(f"number filter {kind!r} on {column!r} is not supported")
        return sa.func.coalesce(
            NUMBER_FILTERS[kind](expression, filter_number(low, column)), kind == "notEqual"
        )
    raise QueryError(f"filter type {filter_type!r} on {column!r} is not supported")


# Conditions that a missing value passes (see _condition): blank, and the negative text filters.
_PASSED_BY_MISSING = frozenset({"blank", "notContains", "notEqual"})


def passes_missing(model: Any) -> bool:
    """Whether one column's filter (simple or combined) lets a row through when its value is missing.

    A caller can then skip rows that lack the value altogether, e.g. predictions without feedback.
    Anything this cannot read counts as passing, which only ever keeps the slower, complete query.
    """
    if not isinstance(model, Mapping):
        return True
    if "conditions" in model:
        parts = [passes_missing(condition) for condition in model.get("conditions") or []]
        if not parts:
            return True
        return all(parts) if str(model.get("operator", "AND")).upper() == "AND" else any(parts)
    return model.get("type") in _PASSED_BY_MISSING


def where(filter_model: Any, columns: Mapping[str, Any], numeric: Sequence[str] = ()) -> list[Any]:
    """SQL conditions for an ag-grid filterModel over ``columns`` (grid field -> SQL expression)."""
    if filter_model is not None and not isinstance(filter_model, Mapping):
        raise QueryError("the filter model must be a JSON object")
    clauses = []
    for column, model in (filter_model or {}).items():
        if column not in columns:
            raise QueryError(f"cannot filter on unknown column {column!r}")
        expression, is_number = columns[column], column in numeric
        if isinstance(model, Mapping) and "conditions" in model:
            parts = [_condition(expression, c, column, is_number) for c in model.get("conditions") or []]
            operator = str(model.get("operator", "AND")).upper()
            if operator not in {"AND", "OR"}:
                raise QueryError(f"filter operator {operator!r} on {column!r} is not supported")
            if parts:
                clauses.append(sa.and_(*parts) if operator == "AND" else sa.or_(*parts))
        else:
            clauses.append(_condition(expression, model, column, is_number))
    return clauses


def order_by(sort_model: Any, columns: Mapping[str, Any], required: Sequence[str] = ()) -> list[Any]:
    """SQL ordering for an ag-grid sortModel; missing values last in either direction.

    ``required`` columns are never missing, so their order stays a plain one an index can serve.
    """
    if sort_model is not None and not isinstance(sort_model, Sequence | list):
        raise QueryError("the sort model must be a JSON list")
    ordering = []
    for item in sort_model or []:
        if not isinstance(item, Mapping):
            raise QueryError("each sort entry must be an object with colId and sort")
        column, direction = item.get("colId"), item.get("sort")
        if column not in columns:
            raise QueryError(f"cannot sort on unknown column {column!r}")
        if direction not in {"asc", "desc"}:
            raise QueryError(f"sort direction {direction!r} must be 'asc' or 'desc'")
        expression = columns[column]
        if column not in required:
            ordering.append(sa.case((expression.is_(None), 1), else_=0))
        ordering.append(expression.asc() if direction == "asc" else expression.desc())
    return ordering
