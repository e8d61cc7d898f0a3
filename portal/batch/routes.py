"""HTTP side of batch scoring: a streamed upload, and downloads of results and error lists.

``POST /batch/upload?model=NAME&filename=NAME`` takes the file as the raw body (what the page
sends) or as multipart field ``file``; it is streamed to ``<data dir>/batches/<id>/`` and never
held in memory. The size limit is enforced while streaming, whatever Content-Length claims.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_file
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from models.batch_files import UnreadableFile, file_kind
from portal.batch.exports import RESULT_XLSX, TooManyRowsForExcel, xlsx_from_parquet
from portal.batch.jobs import store_for
from portal.batch.store import ERRORS_CSV
from portal.services import Services
from portal.web.errors import error_json
from portal.web.identity import current_user
from portal.web.watchdog import allow_more

log = logging.getLogger(__name__)
BLOCK = 1 << 20
FORMATS = {
    "csv": ("result.csv", "text/csv"),
    "parquet": ("result.parquet", "application/vnd.apache.parquet"),
    "xlsx": (RESULT_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
SUFFIX = {"csv": ".csv", "parquet": ".parquet", "xlsx": ".xlsx"}
UPLOAD_BYTES_PER_SECOND = 1_000_000


def create_batch_blueprint(services: Services) -> Blueprint:
    batch = Blueprint("batch", __name__, url_prefix="/batch")
    store = store_for(services)
    limit = services.settings.batch_max_bytes

    @batch.before_request
    def _limit_body() -> None:
        # Multipart bodies are parsed by werkzeug, which refuses to read past this (413).
        request.max_content_length = limit + 65536

    @batch.post("/upload")
    def upload() -> Any:
        model = request.args.get("model", "")
        if model not in services.registry.names():
            return error_json(404, f"no model named {model!r}" if model else "parameter 'model' is required")
        try:
            stream, file_name = _incoming()
        except RequestEntityTooLarge:
            return _too_large(limit)
        if not file_name:
            return error_json(400, "name the file: send ?filename=NAME or a multipart field 'file'")
        try:
            kind = file_kind(file_name)
        except UnreadableFile as exc:
            return error_json(415, str(exc))
        if request.content_length is not None and request.content_length > limit + 65536:
            return _too_large(limit)
        # Reading the body is I/O: a big upload over a slow link gets a second per megabyte more.
        allow_more((request.content_length or limit) / UPLOAD_BYTES_PER_SECOND)
        batch_id = store.new_id()
        folder = store.folder(batch_id)
        folder.mkdir(parents=True)
        target = folder / f"upload{SUFFIX[kind]}"
        try:
            size = _stream_to(stream, target, limit)
        except _TooLarge:
            _discard(folder)
            return _too_large(limit)
        except (ClientDisconnected, OSError) as exc:
            _discard(folder)
            return error_json(400, f"the upload was interrupted ({type(exc).__name__}); send the file again")
        except RequestEntityTooLarge:
            _discard(folder)
            return _too_large(limit)
        # The batch folder is its record: this works with the database down (the row follows later).
        store.create(batch_id, Path(file_name).name, size, model, current_user())
        store.cleanup(services.settings.batch_retention_days)
        log.info("batch uploaded", extra={"batch_id": batch_id, "bytes": size, "model": model})
        return jsonify(batch_id=batch_id, file_name=Path(file_name).name, bytes=size, model=model), 201

    @batch.get("/<batch_id>/errors.csv")
    def errors_csv(batch_id: str) -> Any:
        found = store.get(batch_id)
        path = store.folder(batch_id) / ERRORS_CSV if found else None
        if path is None or not path.exists():
            return error_json(
                404, "no validation report for this batch (unknown, expired or not validated yet)"
            )
        return _attachment(path, "text/csv", f"{Path(found.file_name).stem}-validation-errors.csv")

    @batch.get("/<batch_id>/result.<fmt>")
    def result(batch_id: str, fmt: str) -> Any:
        if fmt not in FORMATS:
            return error_json(404, f"no format {fmt!r}; choose csv, parquet or xlsx")
        found = store.get(batch_id)
        if found is None:
            return error_json(404, "unknown batch")
        if found.status == "expired":
            return error_json(410, "this batch's files were removed by the retention period; score it again")
        if found.status != "done":
            return error_json(409, f"this batch has no result: it is {found.status}")
        folder = store.folder(batch_id)
        name, mimetype = FORMATS[fmt]
        if fmt == "xlsx":
            try:
                xlsx_from_parquet(folder / FORMATS["parquet"][0], folder / RESULT_XLSX)
            except TooManyRowsForExcel as exc:
                return error_json(409, str(exc))
        path = folder / name
        if not path.exists():
            return error_json(410, "the result file is gone; score the batch again")
        return _attachment(path, mimetype, f"{Path(found.file_name).stem}-scored.{fmt}")

    return batch


class _TooLarge(Exception):
    pass


def _incoming() -> tuple[Any, str]:
    """The body stream and the file name, from multipart or a raw body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            return None, ""
        return upload.stream, upload.filename or ""
    return request.stream, request.args.get("filename", "")


def _stream_to(stream: Any, target: Path, limit: int) -> int:
    part = target.with_name(target.name + ".part")
    size = 0
    with part.open("wb") as handle:
        while block := stream.read(BLOCK):
            size += len(block)
            if size > limit:
                raise _TooLarge
            handle.write(block)
    part.replace(target)
    return size


def _discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _too_large(limit: int) -> Response:
    return error_json(
        413, f"the file is larger than the {limit / 1e6:,.0f} MB limit (PORTAL_BATCH_MAX_BYTES)"
    )


def _attachment(path: Path, mimetype: str, download_name: str) -> Response:
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
