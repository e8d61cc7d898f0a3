"""Predict requests the REST API refused, counted by a stable reason code per model and UTC day.

The predict route names what it refused (``reasons_for``); the count is upserted once the answer has
been sent (``count_after_response``), so a refusal costs its client nothing extra, and every worker
adds to the same ``api_refusals`` rows, which survive restarts. A database that fails is skipped
for a few seconds and the counts of that time are logged, never raised.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from flask import Response, after_this_request
from sqlalchemy.dialects import postgresql, sqlite

from models.cool_down import CoolDown
from models.schema import FieldError
from portal.db.data_quality import api_refusals

log = logging.getLogger(__name__)

# Request-level reasons: the whole request was refused before any record was checked.
BAD_JSON = "bad_json"  # malformed JSON body
NOT_JSON = "not_json"  # no application/json content type
BAD_BODY = "bad_body"  # JSON, but not {"records": [...], "version": n}
TOO_MANY_RECORDS = "too_many_records"
TOO_LARGE = "too_large"  # body over PORTAL_API_MAX_BYTES
UNKNOWN_VERSION = "unknown_version"
# Record-level reasons (a 422): the records that had each problem are counted under it.
MISSING_FIELD = "missing_field"
WRONG_TYPE = "wrong_type"
OUT_OF_SCHEMA = "out_of_schema"
NOT_AN_OBJECT = "not_an_object"
REASONS = (
    BAD_JSON,
    NOT_JSON,
    BAD_BODY,
    TOO_MANY_RECORDS,
    TOO_LARGE,
    UNKNOWN_VERSION,
    MISSING_FIELD,
    WRONG_TYPE,
    OUT_OF_SCHEMA,
    NOT_AN_OBJECT,
)
# What models.schema says about a refused value, by the start or part of its message.
_MESSAGE_REASONS = (
    ("is missing", MISSING_FIELD),
    ("is required and may not be null", MISSING_FIELD),
    ("each record must be a JSON object", NOT_AN_OBJECT),
    ("must be a number", WRONG_TYPE),
    ("must be an ISO date string", WRONG_TYPE),
    ("must be a single value", WRONG_TYPE),
    ("is not an ISO date", WRONG_TYPE),
    ("must be a finite number", WRONG_TYPE),
    ("must be a category, not", WRONG_TYPE),
)
_cool_down = CoolDown()


def field_reason(message: str) -> str:
    """The reason code of one refused value: missing, wrong type, else outside what the schema allows."""
    for text, reason in _MESSAGE_REASONS:
        if text in message:
            return reason
    # Unknown categories, dates outside the model's range, too large numbers, too long text.
    return OUT_OF_SCHEMA


def record_reasons(errors: Iterable[FieldError]) -> dict[str, int]:
    """Records per reason: a record with several problems of one kind counts once under it."""
    seen = {(error.row, field_reason(error.message)) for error in errors}
    return dict(Counter(reason for _row, reason in seen))


def request_reason(status: int, message: str) -> str:
    """The reason code of a request refused as a whole, from its status and message."""
    if status == 415:
        return NOT_JSON
    if status == 413:
        return TOO_MANY_RECORDS if "records is more than" in message else TOO_LARGE
    if status == 404:
        return UNKNOWN_VERSION
    return BAD_JSON if "not valid JSON" in message or "nested" in message else BAD_BODY


def count_after_response(engine: sa.Engine, model: str, counts: Mapping[str, tuple[int, int]]) -> None:
    """Upsert ``{reason: (requests, rows)}`` for today once this request's answer has gone out."""
    day = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")

    @after_this_request
    def _later(response: Response) -> Response:
        response.call_on_close(lambda: add(engine, model, day, counts))
        return response


def add(engine: sa.Engine, model: str, day: str, counts: Mapping[str, tuple[int, int]]) -> bool:
    """Add the counts to the table; False (and a log line) when the database could not take them."""
    if not counts:
        return True
    key = id(engine)
    if _cool_down.active(key):
        log.warning(
            "api refusals not counted: database cooling down", extra={"model": model, **_flat(counts)}
        )
        return False
    values = [
        {"model_name": model, "day": day, "reason": reason, "requests": requests, "rows": rows}
        for reason, (requests, rows) in sorted(counts.items())
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(api_refusals).values(values)
    table = api_refusals.c
    statement = upsert.on_conflict_do_update(
        index_elements=["model_name", "day", "reason"],
        set_={
            "requests": table.requests + upsert.excluded.requests,
            "rows": table.rows + upsert.excluded.rows,
        },
    )
    try:
        with engine.begin() as connection:
            connection.execute(statement)
    except sa.exc.SQLAlchemyError as exc:
        if _cool_down.start(key):
            log.warning("api refusals not counted", extra={"error": type(exc).__name__, "model": model})
        return False
    return True


def _flat(counts: Mapping[str, tuple[int, int]]) -> dict[str, int]:
    return {f"refused_{reason}": requests for reason, (requests, _rows) in counts.items()}


def per_day(engine: sa.Engine, model: str, first: str, last: str) -> dict[str, dict[str, tuple[int, int]]]:
    """``{day: {reason: (requests, rows)}}`` for the days ``first`` to ``last`` (YYYY-MM-DD, inclusive)."""
    table = api_refusals.c
    query = sa.select(table.day, table.reason, table.requests, table.rows).where(
        table.model_name == model, table.day >= first, table.day <= last
    )
    with engine.connect() as connection:
        found: dict[str, dict[str, tuple[int, int]]] = {}
        for day, reason, requests, rows in connection.execute(query):
            found.setdefault(day, {})[reason] = (int(requests), int(rows))
    return found
