"""Small files built to be expensive are refused or stopped early, with bounded output and a clear reason."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pandas as pd
import pytest

from models import batch_files, batch_validation
from portal.batch.jobs import score_batch, validate_upload
from portal.batch.limits import JobLimitExceeded, job_limits
from tests.batch.conftest import upload


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _validate(client, services, content: bytes, name: str):
    reply = upload(client, content, name)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    batch_id = reply.get_json()["batch_id"]
    return batch_id, validate_upload(services, batch_id, lambda *_: None)


def _listing(client, batch_id: str) -> list[list[str]]:
    reply = client.get(f"/batch/{batch_id}/errors.csv")
    assert reply.status_code == 200
    return list(csv.reader(io.StringIO(reply.get_data(as_text=True))))


def test_hst001_a_header_and_300000_lines_of_1_stop_early_with_a_small_error_file(
    client, services, good_frame
):
    """Each line misses every required column: 4.8 million errors once took 35 s and 229 MB."""
    content = (",".join(good_frame.columns) + "\n").encode() + b"1\n" * 300_000
    started = time.monotonic()
    batch_id, outcome = _validate(client, services, content, "ones.csv")
    assert not outcome.ok
    assert "checking stopped after 200,000 rows: every one of them was wrong in" in outcome.message
    rows = _listing(client, batch_id)
    assert len(rows) <= batch_validation.LISTED_IN_ALL + 100
    assert any("more problem(s) in this column are not listed" in row[3] for row in rows)
    assert time.monotonic() - started < 120  # a guard against hanging, not a speed test


def test_hst002_problems_are_counted_in_full_and_listed_up_to_the_cap(client, services, good_frame):
    frame = pd.concat([good_frame] * 50, ignore_index=True)  # 2,000 rows
    frame["tenure_months"] = frame["tenure_months"].astype(object)
    frame.loc[::1, "tenure_months"] = "twelve"  # every row wrong in one column...
    frame.loc[0, "tenure_months"] = 3  # ...but one: not "wholly wrong", so every row is checked
    batch_id, outcome = _validate(client, services, _csv(frame), "many.csv")
    assert outcome.report["errors"] == len(frame) - 1
    listed = [row for row in _listing(client, batch_id)[1:] if row[1] == "tenure_months"]
    assert len([row for row in listed if row[2] == "error"]) == batch_validation.LISTED_PER_COLUMN
    unlisted = len(frame) - 1 - batch_validation.LISTED_PER_COLUMN
    assert listed[-1][3] == f"{unlisted:,} more problem(s) in this column are not listed"


def _bomb(unzipped: int) -> bytes:
    """A real zip bomb: an .xlsx whose sheet inflates from kilobytes to ``unzipped`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b" " * (1 << 20)
            for _ in range(unzipped // len(block)):
                sheet.write(block)
    return buffer.getvalue()


def test_hst003_a_zip_bomb_is_refused_from_its_directory(client, services, monkeypatch):
    monkeypatch.setattr(batch_files, "MAX_XLSX_UNZIPPED_BYTES", 50_000_000)
    bomb = _bomb(64 << 20)
    assert len(bomb) * 200 < 64 << 20, "the case must really inflate"
    _, outcome = _validate(client, services, bomb, "bomb.xlsx")
    assert not outcome.ok
    assert "The workbook unpacks to 67 MB, more than the 50 MB allowed" in outcome.message


def _workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_longer_cell(book: bytes, marker: str, characters: int) -> bytes:
    """The workbook with one cell's text stretched past Excel's limit (openpyxl itself would cut it)."""
    source, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry).replace(marker.encode(), b"x" * characters)
            target.writestr(entry.filename, data)
    return out.getvalue()


def test_hst004_a_cell_longer_than_excel_allows_is_refused_before_reading(client, services, good_frame):
    header = list(good_frame.columns)
    row = list(good_frame.iloc[0].astype(object).where(good_frame.iloc[0].notna(), None))
    row[header.index("plan")] = "STRETCH-ME"
    book = _with_longer_cell(_workbook([header, row]), "STRETCH-ME", 300_000)
    _, outcome = _validate(client, services, book, "long-cell.xlsx")
    assert "A cell holds more than 32,767 characters" in outcome.message


def test_hst005_a_sheet_longer_than_excel_allows_is_refused(client, services, good_frame, monkeypatch):
    monkeypatch.setattr(batch_files, "EXCEL_SHEET_ROWS", 30)
    header = list(good_frame.columns)
    rows = [
        list(r) for r in good_frame.astype(object).where(good_frame.notna(), None).itertuples(index=False)
    ]
    _, outcome = _validate(client, services, _workbook([header, *rows]), "tall.xlsx")
    assert "more than the 30 Excel allows" in outcome.message or "more than 30 rows" in outcome.message


def test_hst006_excel_unicode_text_utf16_with_a_bom_is_read_and_scored(client, services, good_frame):
    text = good_frame.to_csv(index=False, sep="\t")
    batch_id, outcome = _validate(client, services, text.encode("utf-16"), "unicode.txt")
    assert outcome.ok, outcome.message
    assert score_batch(services, batch_id, lambda *_: None).ok
    scored = pd.read_csv(io.BytesIO(client.get(f"/batch/{batch_id}/result.csv").data))
    assert len(scored) == len(good_frame)
    assert list(scored["customer_id"]) == list(good_frame["customer_id"])


def test_hst007_utf16_without_a_bom_says_how_to_save_it(client, services, good_frame):
    _, outcome = _validate(client, services, _csv(good_frame).decode().encode("utf-16-le"), "nobom.csv")
    assert "UTF-16 text without a byte-order mark" in outcome.message and "'CSV UTF-8'" in outcome.message


def test_hst008_a_wide_header_over_64_kib_is_read_and_an_endless_line_is_named(client, services, good_frame):
    extra = pd.DataFrame(0, index=good_frame.index, columns=[f"extra_column_{i:05d}" for i in range(6000)])
    wide = pd.concat([good_frame, extra], axis=1)
    header_bytes = len(",".join(wide.columns))
    assert header_bytes > 64 * 1024
    _, outcome = _validate(client, services, _csv(wide), "wide.csv")
    assert outcome.ok, outcome.message
    _, endless = _validate(client, services, b"a," * 600_000, "endless.csv")
    assert "The first line is longer than 1,024 KiB" in endless.message


def test_hst009_header_names_with_control_characters_are_refused(client, services, good_frame):
    bad = good_frame.rename(columns={"customer_id": "customer\x1b[31m_id"})
    _, outcome = _validate(client, services, _csv(bad), "controls.csv")
    assert "holds control characters" in outcome.message + str(outcome.report)


def test_hst010_formula_and_path_headers_are_neutralised_in_every_output(client, services, good_frame):
    named = good_frame.assign(**{'=HYPERLINK("http://x")': "a", "../../etc/passwd": "b"})
    named["tenure_months"] = named["tenure_months"].astype(object)
    named.loc[0, "tenure_months"] = "twelve"
    batch_id, outcome = _validate(client, services, _csv(named), "names.csv")
    rows = _listing(client, batch_id)
    assert not any(cell.startswith("=") for row in rows for cell in row), rows[:5]
    assert any(row[1] == '\'=HYPERLINK("http://x")' for row in rows)
    good = good_frame.assign(**{'=HYPERLINK("http://x")': "a", "../../etc/passwd": "b"})
    batch_id, outcome = _validate(client, services, _csv(good), "names-ok.csv")
    assert outcome.ok, outcome.message
    assert score_batch(services, batch_id, lambda *_: None).ok
    for fmt in ("csv", "xlsx"):
        body = client.get(f"/batch/{batch_id}/result.{fmt}").data
        frame = pd.read_csv(io.BytesIO(body)) if fmt == "csv" else pd.read_excel(io.BytesIO(body))
        assert '\'=HYPERLINK("http://x")' in frame.columns and "../../etc/passwd" in frame.columns
    folder = services.settings.data_dir / "batches"
    assert not (folder.parent / "etc").exists() and not (folder.parent.parent / "etc").exists()


def test_hst011_a_job_over_its_memory_limit_fails_with_the_reason(make_settings, good_frame, monkeypatch):
    from portal.app import create_app
    from portal.batch import limits

    monkeypatch.setattr(limits, "CHECK_SECONDS", 0.05)
    app = create_app(make_settings(PORTAL_BATCH_JOB_MEMORY_MB="256"))  # this test process is larger
    services, client = app.server.extensions["portal.services"], app.server.test_client()
    try:
        big = pd.concat([good_frame] * 5000, ignore_index=True)  # 200,000 rows: seconds of work
        _, outcome = _validate(client, services, _csv(big), "big.csv")
        assert not outcome.ok
        assert "Validation stopped: the job used" in outcome.message
        assert "more than the 256 MB allowed (PORTAL_BATCH_JOB_MEMORY_MB)" in outcome.message
    finally:
        services.prediction_log.stop()


def test_hst012_a_job_past_its_time_is_stopped_in_its_own_thread():
    now = [0.0]
    with (
        pytest.raises(JobLimitExceeded),
        job_limits(1 << 40, 10, measure=lambda: 0, clock=lambda: now[0], interval=0.01),
    ):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now[0] += 0.001
    with job_limits(1 << 40, 10, measure=lambda: 0, clock=lambda: 0.0, interval=0.01) as stopped_by:
        time.sleep(0.05)
    assert stopped_by() == ""
