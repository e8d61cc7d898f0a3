"""Deliveries of a finished report: a directory (atomic), email over SMTP, or a JSON webhook."""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import requests

from portal.config import Settings
from portal.reports.definitions import Delivery, ReportDefinition

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A delivery did not go through; the message says where and why."""


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """What deliveries say about a run: which report, which files, and where to download them."""

    run_id: int
    report: ReportDefinition
    started_at: str
    duration_seconds: float
    files: list[Path]
    download_base: str

    def links(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f.name,
                "bytes": f.stat().st_size,
                "content_type": mimetypes.guess_type(f.name)[0] or "application/octet-stream",
                "url": f"{self.download_base}/reports/runs/{self.run_id}/files/{f.name}",
            }
            for f in self.files
        ]


def deliver(settings: Settings, delivery: Delivery, summary: RunSummary) -> None:
    """Send one delivery; :class:`DeliveryError` on any failure."""
    handlers = {"directory": to_directory, "email": by_email, "webhook": to_webhook}
    handlers[delivery.kind](settings, delivery, summary)


def to_directory(settings: Settings, delivery: Delivery, summary: RunSummary) -> None:
    """Copy each file in under a temporary name and rename it, so readers never see half a file."""
    folder = Path(delivery.target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source in summary.files:
            fd, temporary = tempfile.mkstemp(prefix=f".{source.name}.", dir=folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(source.read_bytes())
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temporary, 0o644)
                os.replace(temporary, folder / source.name)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise DeliveryError(f"cannot write to {folder}: {exc.strerror or exc}") from None


def by_email(settings: Settings, delivery: Delivery, summary: RunSummary) -> None:
    """One message with every output attached, through the configured SMTP server."""
    if not settings.smtp_host:
        raise DeliveryError("PORTAL_SMTP_HOST is not set, so email cannot be sent")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(delivery.recipients)
    message["Subject"] = delivery.subject or f"{summary.report.title} ({summary.started_at[:10]})"
    lines = [f"{summary.report.title}: report run {summary.run_id} of {summary.started_at}.", ""]
    lines += [f"- {link['name']}: {link['url']}" for link in summary.links()]
    message.set_content("\n".join(lines) + "\n")
    for path in summary.files:
        maintype, subtype = (mimetypes.guess_type(path.name)[0] or "application/octet-stream").split("/")
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from None


def webhook_payload(style: str, summary: RunSummary) -> dict[str, Any]:
    """Plain JSON, or the message shapes Slack and Teams incoming webhooks accept."""
    links = summary.links()
    text = f"{summary.report.title}: report succeeded ({len(links)} file(s))"
    if style == "slack":
        return {"text": text + "\n" + "\n".join(f"<{link['url']}|{link['name']}>" for link in links)}
    if style == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": text,
            "title": summary.report.title,
            "text": text,
            "potentialAction": [
                {"@type": "OpenUri", "name": link["name"], "targets": [{"os": "default", "uri": link["url"]}]}
                for link in links
            ],
        }
    return {
        "report": summary.report.name,
        "title": summary.report.title,
        "status": "succeeded",
        "run_id": summary.run_id,
        "started_at": summary.started_at,
        "duration_seconds": round(summary.duration_seconds, 3),
        "format": summary.report.format,
        "pages": [page.relative_url() for page in summary.report.pages],
        "files": links,
    }


def to_webhook(settings: Settings, delivery: Delivery, summary: RunSummary) -> None:
    """POST the JSON; anything but a 2xx answer within the timeout is a failed delivery."""
    try:
        response = requests.post(
            delivery.target,
            json=webhook_payload(delivery.style, summary),
            timeout=delivery.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"webhook {delivery.describe()}: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"webhook {delivery.describe()} answered HTTP {response.status_code}")
