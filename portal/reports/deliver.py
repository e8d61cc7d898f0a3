"""Delivery channels shared by reports and alerts: a directory (atomic), email over SMTP, or a webhook.

Each channel takes a :class:`Message`, so anything the portal announces goes out the same way and a
failure always surfaces as :class:`DeliveryError` naming the channel.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from pathlib import Path
from typing import Any

import requests

from portal.config import Settings
from portal.reports.fields import Delivery


class DeliveryError(Exception):
    """A delivery did not go through; the message says where and why."""


@dataclasses.dataclass(frozen=True)
class Link:
    """A named URL a message points at (a report file, the page to look at)."""

    name: str
    url: str


@dataclasses.dataclass(frozen=True)
class Message:
    """What every channel sends: a title, one summary line, body lines, links, files and a JSON body.

    ``payload`` is the plain-JSON webhook body, so each sender keeps its own machine-readable shape.
    """

    title: str
    summary: str
    body: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    files: tuple[Path, ...] = ()
    payload: dict[str, Any] = dataclasses.field(default_factory=dict)
    # A PNG of the first page, shown inline in the body of an email.
    inline: bytes | None = None


def content_type(path: Path) -> str:
    """The MIME type guessed from the file name, defaulting to bytes."""
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def deliver(settings: Settings, delivery: Delivery, message: Message) -> None:
    """Send one delivery; :class:`DeliveryError` on any failure."""
    handlers = {"directory": to_directory, "email": by_email, "webhook": to_webhook}
    handlers[delivery.kind](settings, delivery, message)


def to_directory(settings: Settings, delivery: Delivery, message: Message) -> None:
    """Copy each file in under a temporary name and rename it, so readers never see half a file."""
    folder = Path(delivery.target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source in message.files:
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


def by_email(settings: Settings, delivery: Delivery, message: Message) -> None:
    """One message with every file attached, through the configured SMTP server."""
    if not settings.smtp_host:
        raise DeliveryError("PORTAL_SMTP_HOST is not set, so email cannot be sent")
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = ", ".join(delivery.recipients)
    email["Subject"] = delivery.subject or message.title
    lines = [message.summary, "", *message.body]
    if message.links:
        lines += ["", *(f"- {link.name}: {link.url}" for link in message.links)]
    email.set_content("\n".join(lines) + "\n")
    if message.inline:
        _add_html(email, message)
    for path in message.files:
        maintype, subtype = content_type(path).split("/")
        email.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from None


def _add_html(email: EmailMessage, message: Message) -> None:
    """The same summary as HTML, with the first page shown inline (a related image, by Content-ID)."""
    cid = make_msgid(domain="portal.report")
    links = "".join(
        f'<li><a href="{escape(link.url, quote=True)}">{escape(link.name)}</a></li>' for link in message.links
    )
    body = "".join(f"<div>{escape(line)}</div>" for line in message.body)
    html = (
        f"<html><body><h2>{escape(message.title)}</h2><p>{escape(message.summary)}</p>{body}"
        f'<p><img src="cid:{cid[1:-1]}" alt="{escape(message.title, quote=True)}, first page" '
        f'style="max-width:100%;border:1px solid #ddd"></p><ul>{links}</ul></body></html>'
    )
    email.add_alternative(html, subtype="html")
    email.get_payload()[-1].add_related(message.inline, maintype="image", subtype="png", cid=cid)


def webhook_payload(style: str, message: Message) -> dict[str, Any]:
    """The sender's plain JSON, or the message shapes Slack and Teams incoming webhooks accept."""
    if style == "slack":
        lines = [message.summary, *message.body, *(f"<{link.url}|{link.name}>" for link in message.links)]
        return {"text": "\n".join(lines)}
    if style == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": message.summary,
            "title": message.title,
            "text": "\n\n".join([message.summary, *message.body]),
            "potentialAction": [
                {"@type": "OpenUri", "name": link.name, "targets": [{"os": "default", "uri": link.url}]}
                for link in message.links
            ],
        }
    return message.payload


def to_webhook(settings: Settings, delivery: Delivery, message: Message) -> None:
    """POST the JSON; anything but a 2xx answer within the timeout is a failed delivery."""
    try:
        response = requests.post(
            delivery.target,
            json=webhook_payload(delivery.style, message),
            timeout=delivery.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise DeliveryError(f"webhook {delivery.describe()}: {type(exc).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"webhook {delivery.describe()} answered HTTP {response.status_code}")
