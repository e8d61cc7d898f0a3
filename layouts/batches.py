"""Past batches: who scored which file, how it went, and re-download while the files are retained."""

from __future__ import annotations

from typing import Any

from dash import html
from dash.development.base_component import Component

from layouts.components import empty_state, page_header, table
from portal import ids
from portal.batch.jobs import store_for
from portal.batch.store import Batch
from portal.services import Services

STATUS_TEXT = {
    "pending": "uploaded, not scored",
    "running": "scoring",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
    "expired": "expired",
}


def layout(services: Services, **_query: Any) -> Component:
    """Newest first; expired batches stay listed without their files. Drawing the page runs the cleanup.

    With the database down the list comes from the batch folders on disk, and says it is incomplete.
    """
    store = store_for(services)
    retention = services.settings.batch_retention_days
    header = page_header(
        "Past batches", f"Results can be downloaded again for {retention} days after upload."
    )
    store.cleanup(retention)
    store.sync()
    history = store.history()
    note = (
        []
        if history.complete
        else [
            html.Div(
                "The portal database is unavailable, so this history is incomplete: it lists the batches "
                "still stored on disk. Older batches reappear when the database is back.",
                className="alert alert-warning portal-history-incomplete",
            )
        ]
    )
    batches = history.batches
    if not batches:
        return html.Div([header, *note, empty_state("No batches yet.", "Score a file on the Batch page.")])
    rows = [_row(batch) for batch in batches]
    columns = ["Time (UTC)", "File", "Model", "Rows", "Status", "Errors", "User", "Result"]
    return html.Div([header, *note, table(columns, rows, table_id=ids.BATCHES_TABLE)])


def _row(batch: Batch) -> list[Any]:
    rows = batch.rows_done if batch.status in {"done", "running"} else batch.rows_total
    status = STATUS_TEXT.get(batch.status, batch.status)
    if batch.message and batch.status in {"failed", "cancelled", "expired"}:
        status = f"{status}: {batch.message}"
    if batch.status == "done":
        result: Any = html.Span(
            [
                html.A(fmt.upper(), href=f"/batch/{batch.batch_id}/result.{fmt}", className="me-2")
                for fmt in ("csv", "parquet", "xlsx")
            ]
        )
    else:
        result = ""
    return [
        batch.created_at.strftime("%Y-%m-%d %H:%M"),
        batch.file_name,
        f"{batch.model_name}" + (f" v{batch.model_version}" if batch.model_version else ""),
        "" if rows is None else f"{rows:,}",
        status,
        f"{batch.error_count:,}",
        batch.user_name,
        result,
    ]
