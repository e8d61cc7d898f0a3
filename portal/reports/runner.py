"""One report run: render every page (with retries), check it, store it, deliver it, record it all.

A run that still fails after the last try is recorded as failed with its reason and delivered
nowhere; the caller turns that into a non-zero exit code.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from opentelemetry import trace
from pypdf import PdfReader, PdfWriter

from portal.config import Settings
from portal.reports import history
from portal.reports.definitions import PageSpec, ReportDefinition
from portal.reports.deliver import DeliveryError, deliver
from portal.reports.locks import AlreadyRunning, report_lock
from portal.reports.render import Capture, Renderer, RenderError
from portal.reports.summary import RunSummary
from portal.reports.targets import page_url
from portal.reports.verify import OutputRejected

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("portal.reports")
BACKOFF_SECONDS = 2.0


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """The end of a run: its id, whether it succeeded, and the reason when it did not."""

    run_id: int
    ok: bool
    error: str | None
    files: list[Path]


def run_report(
    settings: Settings,
    engine: sa.Engine,
    report: ReportDefinition,
    trigger: str,
    run_id: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunOutcome:
    """Run ``report`` once, recorded under ``run_id`` (created when None); never raises for a bad page."""
    if run_id is None:
        run_id = history.create(engine, report.name, trigger)
    started = time.monotonic()
    try:
        with report_lock(settings.data_dir, report.name, engine):
            history.abandon_orphans(engine, report.name, keep=run_id)
            history.update(engine, run_id, status="running", progress="starting the browser")
            return _run_locked(settings, engine, report, run_id, started, sleep)
    except AlreadyRunning as exc:
        return _finish(engine, run_id, started, str(exc), [])
    except Exception as exc:  # a bug or an unexpected browser crash must still close the history row
        log.exception("report run crashed", extra={"report": report.name, "run_id": run_id})
        return _finish(engine, run_id, started, f"internal error: {type(exc).__name__}: {exc}", [])


def _run_locked(
    settings: Settings,
    engine: sa.Engine,
    report: ReportDefinition,
    run_id: int,
    started: float,
    sleep: Callable[[float], None],
) -> RunOutcome:
    captures: list[Capture] = []
    reason = ""
    for attempt in range(1, settings.report_tries + 1):
        try:
            captures = _render_all(settings, engine, report, run_id, attempt)
            break
        except (RenderError, OutputRejected) as exc:
            reason = str(exc)
            log.warning("report try failed", extra={"report": report.name, "try": attempt, "reason": reason})
            if attempt < settings.report_tries:
                delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
                history.update(engine, run_id, progress=f"try {attempt} failed ({reason[:80]}); retrying")
                sleep(delay)
    if not captures:
        tries = settings.report_tries
        return _finish(
            engine, run_id, started, f"failed after {tries} tr{'y' if tries == 1 else 'ies'}: {reason}", []
        )
    files = _store(settings.data_dir, report, run_id, captures)
    names = [f.name for f in files]
    history.update(engine, run_id, outputs=names, progress="delivering")
    message = RunSummary(
        run_id,
        report,
        history.get(engine, run_id).started_at.isoformat(timespec="seconds"),
        time.monotonic() - started,
        files,
        settings.report_origin,
        generated=generated_at(report),
        shown=[capture.shown for capture in captures],
        live_urls=[live_url(settings, page) for page in report.pages],
        first_page=captures[0].png,
    ).message()
    results, failures = [], []
    for delivery in report.deliveries:
        try:
            deliver(settings, delivery, message)
            results.append({"delivery": delivery.describe(), "ok": True})
        except DeliveryError as exc:
            failures.append(f"{delivery.describe()}: {exc}")
            results.append({"delivery": delivery.describe(), "ok": False, "error": str(exc)})
    history.update(engine, run_id, deliveries=results)
    error = None
    if failures:
        error = f"rendered, but {len(failures)} of {len(results)} deliveries failed: " + "; ".join(failures)
    return _finish(engine, run_id, started, error, files)


def _render_all(
    settings: Settings, engine: sa.Engine, report: ReportDefinition, run_id: int, attempt: int
) -> list[Capture]:
    captures = []
    with Renderer(
        settings.chromium_path, settings.report_origin, report.viewport, settings.report_timeout
    ) as r:
        for index, page in enumerate(report.pages, start=1):
            progress = f"rendering page {index} of {len(report.pages)} ({page.path})"
            if attempt > 1:
                progress += f", try {attempt}"
            history.update(engine, run_id, progress=progress)
            attributes = {"report.name": report.name, "report.page": page.path, "report.try": attempt}
            with _tracer.start_as_current_span("report render", attributes=attributes):
                url = page_url(settings, report.name, page, report.role)
                header = page_header(settings, report, page)
                captures.append(r.capture(url, pdf=report.format == "pdf", header=header))
    return captures


def generated_at(report: ReportDefinition) -> str:
    """Now in the report's own time zone, as its header and email say it."""
    local = history.now().astimezone(ZoneInfo(report.timezone))
    return f"{local:%Y-%m-%d %H:%M %Z} ({report.timezone})"


def live_url(settings: Settings, page: PageSpec) -> str:
    """The page people open to see the same view live."""
    return (settings.public_url or settings.report_origin).rstrip("/") + page.relative_url()


def page_header(settings: Settings, report: ReportDefinition, page: PageSpec) -> dict[str, str]:
    """What the rendered page's header and footer say."""
    query = page.query_dict
    filters = ", ".join(f"{key}={value}" for key, value in page.query if key not in ("model", "version"))
    return {
        "title": report.title,
        "generated": generated_at(report),
        "model": query.get("model", ""),
        "version": query.get("version", ""),
        "filters": filters,
        "live_url": live_url(settings, page),
    }


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def _store(data_dir: Path, report: ReportDefinition, run_id: int, captures: list[Capture]) -> list[Path]:
    """Write the outputs under the data dir: a PNG per page, or one PDF with a page per portal page."""
    folder = history.runs_dir(data_dir) / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = history.now().strftime("%Y%m%d-%H%M%S")
    if report.format == "pdf":
        writer = PdfWriter()
        for capture in captures:
            writer.append(PdfReader(io.BytesIO(capture.pdf or b"")))
        target = folder / f"{report.name}-{stamp}.pdf"
        with target.open("wb") as handle:
            writer.write(handle)
        return [target]
    files = []
    for index, (capture, page) in enumerate(zip(captures, report.pages, strict=True), start=1):
        target = folder / f"{report.name}-{stamp}-{index}-{_slug(page.path)}.png"
        target.write_bytes(capture.png)
        files.append(target)
    return files


def _finish(
    engine: sa.Engine, run_id: int, started: float, error: str | None, files: list[Path]
) -> RunOutcome:
    status = "succeeded" if error is None else "failed"
    history.update(
        engine,
        run_id,
        status=status,
        error=error,
        progress="done" if error is None else "failed",
        duration_seconds=round(time.monotonic() - started, 3),
    )
    log.info("report run finished", extra={"run_id": run_id, "status": status, "error": error})
    return RunOutcome(run_id, error is None, error, files)
