"""Table-driven bad uploads: each gets its own plain message, and none ever gets a 500."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import pytest

from portal.app import create_app
from portal.batch.jobs import validate_upload
from tests.batch.conftest import upload


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _changed(column: str, row: int, value: object) -> Callable[[pd.DataFrame], bytes]:
    def build(frame: pd.DataFrame) -> bytes:
        frame = frame.copy()
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return _csv(frame)

    return build


def _header_only(frame: pd.DataFrame) -> bytes:
    return (",".join(frame.columns) + "\n").encode()


def _ragged(frame: pd.DataFrame) -> bytes:
    lines = _csv(frame).decode().splitlines()
    lines[2] += ",surplus"
    return ("\n".join(lines) + "\n").encode()


def _open_quote(frame: pd.DataFrame) -> bytes:
    lines = _csv(frame).decode().splitlines()
    lines[3] = lines[3].replace(",basic,", ',"basic,', 1).replace(",standard,", ',"standard,', 1)
    lines[3] = lines[3].replace(",premium,", ',"premium,', 1).replace(",enterprise,", ',"enterprise,', 1)
    return ("\n".join(lines) + "\n").encode()


def _duplicate_header(frame: pd.DataFrame) -> bytes:
    text = _csv(frame).decode()
    header, rest = text.split("\n", 1)
    return (header.replace("region", "plan") + "\n" + rest).encode()


def _blank_header(frame: pd.DataFrame) -> bytes:
    text = _csv(frame).decode()
    header, rest = text.split("\n", 1)
    return (header.replace("customer_id", "") + "\n" + rest).encode()


def _xlsx_beyond_header(frame: pd.DataFrame) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_xlsx(frame)))
    book.active.cell(row=5, column=len(frame.columns) + 2, value="stray")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _empty_sheet(frame: pd.DataFrame) -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


# (case id, file name, content builder, message the analyst sees)
CASES = [
    ("empty", "a.csv", lambda f: b"", "The file is empty"),
    ("header-only", "a.csv", _header_only, "header line but no data rows"),
    ("blank-first-line", "a.csv", lambda f: b"\n" + _csv(f), "first line is blank"),
    ("latin-1", "a.csv", lambda f: _csv(f).replace(b"north", "nörth".encode("latin-1")), "not UTF-8 text"),
    ("utf-16-no-bom", "a.csv", lambda f: _csv(f).decode().encode("utf-16-le"), "without a byte-order mark"),
    ("not-really-utf-16", "a.csv", lambda f: b"\xff\xfe" + b"\x00\xd8" + _csv(f)[:99], "not valid UTF-16"),
    ("ragged-rows", "a.csv", _ragged, "fields but the header has"),
    ("unterminated-quote", "a.csv", _open_quote, "Unterminated quote"),
    (
        "prose-not-csv",
        "notes.csv",
        lambda f: b"Dear team\nplease score these customers\nthanks\n",
        "does not look like a CSV",
    ),
    (
        "png-as-csv",
        "a.csv",
        lambda f: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        "binary (NUL) bytes",
    ),
    ("xlsx-as-csv", "a.csv", _xlsx, "ZIP or Excel file"),
    ("parquet-as-csv", "a.csv", _parquet, "Parquet file, not CSV"),
    (
        "corrupt-xlsx",
        "a.xlsx",
        lambda f: b"PK\x03\x04 not really a workbook" * 10,
        "not a readable .xlsx workbook",
    ),
    ("truncated-xlsx", "a.xlsx", lambda f: _xlsx(f)[:900], "not a readable .xlsx workbook"),
    ("empty-sheet", "a.xlsx", _empty_sheet, "The first sheet is empty"),
    (
        "xlsx-values-beyond-header",
        "a.xlsx",
        _xlsx_beyond_header,
        "values to the right of the last named column",
    ),
    ("corrupt-parquet", "a.parquet", lambda f: b"PAR1" + bytes(100) + b"PAR1", "not a readable Parquet file"),
    ("zero-row-parquet", "a.parquet", lambda f: _parquet(f.head(0)), "no rows"),
    ("duplicate-headers", "a.csv", _duplicate_header, "duplicate column header"),
    ("blank-header", "a.csv", _blank_header, "have no header"),
    ("missing-column", "a.csv", lambda f: _csv(f.drop(columns=["plan"])), "required column is missing"),
    ("wrong-type", "a.csv", _changed("tenure_months", 2, "twelve"), "'twelve' is not a number"),
    ("unknown-category", "a.csv", _changed("plan", 1, "platinum"), "unknown category 'platinum'"),
    ("bad-date", "a.csv", _changed("signup_date", 4, "31/02/2024"), "'31/02/2024' is not a date"),
    ("required-empty", "a.csv", _changed("region", 0, ""), "is required but empty"),
    ("infinite", "a.csv", _changed("monthly_charges", 5, "inf"), "must be a finite number"),
    (
        "wrong-type-xlsx",
        "a.xlsx",
        lambda f: _xlsx(f.assign(seats=["many"] * len(f))),
        "'many' is not a number",
    ),
]

# Refused at upload time, before any job runs: (case id, file name, status, message).
REFUSED = [
    ("old-xls", "a.xls", 415, "Old Excel .xls files are not supported"),
    ("json", "a.json", 415, "Unsupported file type (.json)"),
    ("no-extension", "data", 415, "Unsupported file type (no extension)"),
]


@pytest.mark.parametrize(("case", "name", "build", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad001_bad_file_gets_its_message(client, services, good_frame, case, name, build, message) -> None:
    reply = upload(client, build(good_frame), name)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    batch_id = reply.get_json()["batch_id"]
    outcome = validate_upload(services, batch_id, lambda *_: None)
    assert not outcome.ok
    shown = (
        outcome.message + " " + " ".join(p["message"] + " " + p["column"] for p in outcome.report["first"])
    )
    assert message in shown
    listing = client.get(f"/batch/{batch_id}/errors.csv")
    assert listing.status_code == 200 and message.split("'")[0] in listing.get_data(as_text=True)
    assert client.get(f"/batch/{batch_id}/result.csv").status_code == 409


@pytest.mark.parametrize(("case", "name", "status", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_bad002_unsupported_types_are_refused_at_upload(
    client, good_frame, case, name, status, message
) -> None:
    reply = upload(client, b"whatever", name)
    assert reply.status_code == status
    assert message in reply.get_json()["error"]["message"]


def test_bad003_too_large_is_413_while_streaming(make_settings, good_frame) -> None:
    from portal.app import create_app

    app = create_app(make_settings(PORTAL_BATCH_MAX_BYTES="2048"))
    client = app.server.test_client()
    body = _csv(good_frame)
    assert len(body) > 2048
    reply = upload(client, body, "big.csv")
    assert reply.status_code == 413
    assert "larger than" in reply.get_json()["error"]["message"]

    # No Content-Length (chunked): only counting while streaming can stop it.
    reply = client.post(
        "/batch/upload?model=churn&filename=big.csv",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
        content_type="text/csv",
    )
    assert reply.status_code == 413
    assert not any((app.server.extensions["portal.services"].settings.data_dir / "batches").glob("*/upload*"))


def test_bad004_unknown_model_and_missing_name(client, good_frame) -> None:
    assert upload(client, _csv(good_frame), "a.csv", model="nope").status_code == 404
    reply = client.post("/batch/upload?model=churn", data=b"x", content_type="application/octet-stream")
    assert reply.status_code == 400 and "name the file" in reply.get_json()["error"]["message"]


def test_bad005_out_of_range_warns_but_scores(client, services, good_frame) -> None:
    frame = good_frame.copy()
    frame.loc[0, "age"] = 140
    batch_id = upload(client, _csv(frame), "a.csv").get_json()["batch_id"]
    outcome = validate_upload(services, batch_id, lambda *_: None)
    assert outcome.ok
    assert any(
        "outside the training range" in p["message"] and p["row"] == 1 for p in outcome.report["first"]
    )


def test_bad006_worker_command_without_a_broker_is_one_clear_line(monkeypatch, capsys, data_dir) -> None:
    from portal.cli import main

    monkeypatch.delenv("PORTAL_CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    assert main(["worker"]) == 2
    assert "PORTAL_CELERY_BROKER_URL" in capsys.readouterr().err


def test_bad007_database_down_still_uploads_scores_and_lists_from_disk(
    make_settings, good_frame, request
) -> None:
    from layouts import batches as batches_page
    from portal.batch.jobs import score_batch, store_for
    from portal.services import SERVICES_KEY
    from tests.support.servers import free_port

    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"  # nothing listens there
    app = create_app(make_settings(PORTAL_DATABASE_URL=url))
    services = app.server.extensions[SERVICES_KEY]
    # Nothing will ever answer at that URL: a flusher left running would log failures into later tests.
    request.addfinalizer(services.prediction_log.stop)
    client = app.server.test_client()
    reply = upload(client, _csv(good_frame), "down.csv")
    assert reply.status_code == 201, reply.get_data(as_text=True)
    batch_id = reply.get_json()["batch_id"]
    assert validate_upload(services, batch_id, lambda *_: None).ok
    outcome = score_batch(services, batch_id, lambda *_: None)
    assert outcome.ok, outcome.message
    scored = pd.read_csv(io.BytesIO(client.get(f"/batch/{batch_id}/result.csv").data))
    assert len(scored) == len(good_frame)
    assert store_for(services).unsynced() == [batch_id], "the row waits for the database"
    with app.server.test_request_context("/batches"):
        text = str(batches_page.layout(services))
    assert "down.csv" in text and "history is incomplete" in text
    api = client.post("/api/v1/models/churn/predict", json={"records": [{}]})
    assert api.status_code == 422, "the API still answers with the database down"
