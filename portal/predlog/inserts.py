"""Prediction-log rows into the database as multi-row INSERT statements, ignoring ids already logged.

A statement per row made the driver bind, step and reset the statement 10,000 times for one large
request (SQLite's executemany took 65-100 ms of it); a statement of ``ROWS_PER_STATEMENT`` rows does
that work once per hundred rows. Full statements go in one executemany, the few rows left over in
the single-row statement, so a one-row request sends exactly what it did before. ``ON CONFLICT DO
NOTHING`` keeps a replay idempotent, and the count returned is the rows actually inserted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from itertools import chain
from typing import Any

import sqlalchemy as sa

# 900 parameters a statement: far below SQLite's 32,766 and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 100


@functools.lru_cache(maxsize=16)
def insert_sql(columns: tuple[str, ...], rows: int, sqlite: bool) -> str:
    """INSERT of ``rows`` rows of ``columns`` into the log, skipping prediction ids already there."""
    one = "(" + ", ".join(["?" if sqlite else "%s"] * len(columns)) + ")"
    return (
        f"INSERT INTO prediction_log ({', '.join(columns)}) VALUES {', '.join([one] * rows)} "
        "ON CONFLICT (prediction_id) DO NOTHING"
    )


def insert_rows(
    connection: sa.Connection,
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    per_statement: int = ROWS_PER_STATEMENT,
) -> int:
    """Insert driver rows (tuples in ``columns`` order); returns how many were new."""
    sqlite = connection.dialect.name == "sqlite"
    full = len(rows) - len(rows) % per_statement if per_statement > 1 else 0
    inserted = 0
    if full:
        groups = [
            tuple(chain.from_iterable(rows[start : start + per_statement]))
            for start in range(0, full, per_statement)
        ]
        inserted += connection.exec_driver_sql(insert_sql(columns, per_statement, sqlite), groups).rowcount
    if full < len(rows):
        rest = list(rows[full:])
        inserted += connection.exec_driver_sql(insert_sql(columns, 1, sqlite), rest).rowcount
    return inserted
