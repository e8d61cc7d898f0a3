"""`portal report run` against a real gunicorn in the system Chromium: outputs, deliveries, failures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from portal.db.engine import create_engine
from portal.reports import history
from tests.support.receivers import smtp_server, webhook_receiver

pytestmark = [pytest.mark.browser, pytest.mark.gunicorn, pytest.mark.slow]


def _runs(data_dir: Path, report: str) -> list[history.Run]:
    engine = create_engine(f"sqlite:///{data_dir / 'portal.db'}")
    try:
        return history.recent(engine, report=report)
    finally:
        engine.dispose()


def _chart_pixel_share(png: bytes) -> float:
    """Share of strongly coloured pixels: chart bars and lines, not the white page or grey text."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        pixels = list(rgb.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 80)
    return coloured / len(pixels)


def test_rep101_png_shows_the_chart_and_goes_to_directory_and_webhook(report_portal, tmp_path) -> None:
    outbox = tmp_path / "outbox"
    with webhook_receiver() as hook:
        result = report_portal.cli(
            [
                {
                    "name": "overview-png",
                    "title": "Overview as PNG",
                    "pages": ["/overview?model=revenue&segment=region"],
                    "viewport": {"width": 1200, "height": 800},
                    "deliver": [{"directory": str(outbox)}, {"webhook": {"url": hook.url}}],
                }
            ],
            "run",
            "overview-png",
        )
    assert result.returncode == 0, result.stderr
    stored = Path(result.stdout.strip())
    png = stored.read_bytes()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.width == 1200 and image.height > 800, "a full-page capture is taller than the viewport"
    assert _chart_pixel_share(png) > 0.01, "the histogram and bar charts must be drawn, not a blank page"
    assert (outbox / stored.name).read_bytes() == png
    assert [p.name for p in outbox.iterdir()] == [stored.name], "no temporary file may be left behind"
    [post] = hook.posts
    assert post["content_type"] == "application/json"
    body = post["json"]
    assert body["title"] == "Overview as PNG" and body["status"] == "succeeded"
    assert body["files"][0]["name"] == stored.name
    assert body["files"][0]["url"].endswith(f"/reports/runs/{body['run_id']}/files/{stored.name}")
    [run] = _runs(report_portal.data_dir, "overview-png")
    assert run.status == "succeeded" and run.trigger == "cli" and run.outputs == [stored.name]
    assert run.duration_seconds and run.duration_seconds > 0
    assert all(d["ok"] for d in run.deliveries) and len(run.deliveries) == 2


def test_rep102_pdf_has_one_page_per_portal_page_and_is_emailed(report_portal) -> None:
    with smtp_server() as mailbox:
        result = report_portal.cli(
            [
                {
                    "name": "churn-pdf",
                    "title": "Churn weekly",
                    "format": "pdf",
                    "pages": ["/overview?model=churn", {"path": "/performance", "query": {"model": "churn"}}],
                    "deliver": [{"email": {"to": ["analysts@example.com"], "subject": "Churn weekly"}}],
                }
            ],
            "run",
            "churn-pdf",
            PORTAL_SMTP_HOST=mailbox.host,
            PORTAL_SMTP_PORT=str(mailbox.port),
            PORTAL_SMTP_STARTTLS="false",
            PORTAL_SMTP_FROM="portal@example.com",
        )
    assert result.returncode == 0, result.stderr
    pdf = Path(result.stdout.strip()).read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    first, second = (page.extract_text() for page in reader.pages)
    assert "Overview" in first and "Scored records" in first
    assert "Model performance" in second
    assert "What-if" not in first, "the print stylesheet hides the navbar"
    [message] = mailbox.messages
    assert message["To"] == "analysts@example.com" and message["Subject"] == "Churn weekly"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf


def test_rep103_erroring_page_fails_the_run_without_delivery(broken_portal, tmp_path) -> None:
    outbox = tmp_path / "outbox"
    with webhook_receiver() as hook:
        result = broken_portal.cli(
            [
                {
                    "name": "broken",
                    "title": "Broken",
                    "pages": ["/overview?model=churn"],
                    "deliver": [{"directory": str(outbox)}, {"webhook": hook.url}],
                }
            ],
            "run",
            "broken",
            PORTAL_REPORT_TRIES="2",
        )
        assert hook.posts == [], "a failed report is never delivered"
    assert result.returncode == 1
    assert "failed after 2 tries" in result.stderr and "callback" in result.stderr
    assert not outbox.exists()
    [run] = _runs(broken_portal.data_dir, "broken")
    assert run.status == "failed"
    assert "failed after 2 tries" in run.error and "callback of the page failed (HTTP 500)" in run.error
    assert run.outputs == [] and run.deliveries == []


def test_rep104_webhook_answering_500_is_a_failed_delivery(report_portal) -> None:
    with webhook_receiver(status=500) as hook:
        result = report_portal.cli(
            [
                {
                    "name": "hook-down",
                    "title": "Hook down",
                    "pages": ["/models?model=churn"],
                    "deliver": [{"webhook": {"url": hook.url, "style": "teams", "timeout": 5}}],
                }
            ],
            "run",
            "hook-down",
        )
        assert hook.posts[0]["json"]["@type"] == "MessageCard"
    assert result.returncode == 1
    assert "HTTP 500" in result.stderr
    [run] = _runs(report_portal.data_dir, "hook-down")
    assert run.status == "failed" and "deliveries failed" in run.error
    assert run.outputs, "the rendered output is kept for download even when a delivery fails"
    [delivery] = run.deliveries
    assert delivery["ok"] is False and "HTTP 500" in delivery["error"]
    assert delivery["delivery"] == "teams webhook " + hook.url.split("/")[2]


@pytest.mark.parametrize(
    "page, expected",
    [
        ("file:///etc/passwd", "not on the portal's own origin"),
        ("http://example.com/overview", "not on the portal's own origin"),
        ("//example.com/overview", "not on the portal's own origin"),
    ],
)
def test_rep105_file_or_foreign_page_is_refused_before_rendering(report_portal, page, expected) -> None:
    result = report_portal.cli(
        [{"name": "escape", "title": "Escape", "pages": [page], "deliver": []}], "run", "escape"
    )
    assert result.returncode == 2
    assert f"report 'escape': pages[0]: {page!r} is not on the portal's own origin" in result.stderr
    assert expected in result.stderr
    assert _runs(report_portal.data_dir, "escape") == []


def test_rep106_unknown_report_name_is_one_line(report_portal) -> None:
    result = report_portal.cli([], "run", "nope")
    assert result.returncode == 2
    assert result.stderr.strip() == "portal: no report named 'nope'; defined: none"


def test_rep107_renderer_signs_in_with_a_token_the_portal_checks(report_portal) -> None:
    """A token signed with another secret is refused by /embed, so the run fails and says why."""
    result = report_portal.cli(
        [{"name": "wrong-key", "title": "Wrong key", "pages": ["/models?model=churn"], "deliver": []}],
        "run",
        "wrong-key",
        PORTAL_SECRET_KEY="another-secret-than-the-portal-has",
        PORTAL_REPORT_TRIES="1",
    )
    assert result.returncode == 1
    assert "answered HTTP 401" in result.stderr and "/embed/models?model=churn&token=" in result.stderr


def test_rep108_a_traced_run_has_a_span_per_page_render(report_portal, tmp_path) -> None:
    deliver = [{"directory": str(tmp_path)}]
    report = {"name": "traced", "title": "Traced", "pages": ["/models"], "deliver": deliver}
    result = report_portal.cli([report], "run", "traced", OTEL_TRACES_EXPORTER="console")
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"name": "report render"' in result.stdout
    assert '"report.page": "/models"' in result.stdout
