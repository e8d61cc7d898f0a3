"""Local receivers for report deliveries: an SMTP server (aiosmtpd) and an HTTP webhook endpoint."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.servers import free_port


@dataclasses.dataclass
class Mailbox:
    """Messages the test SMTP server accepted."""

    host: str
    port: int
    messages: list[EmailMessage] = dataclasses.field(default_factory=list)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on a free loopback port (no TLS), collecting every message."""
    from aiosmtpd.controller import Controller

    port = free_port()
    box = Mailbox("127.0.0.1", port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclasses.dataclass
class Webhook:
    """Posts the test webhook received; ``status`` is what it answers."""

    url: str
    status: int = 200
    posts: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@contextmanager
def webhook_receiver(status: int = 200) -> Iterator[Webhook]:
    """An HTTP endpoint on a free loopback port recording JSON bodies."""
    port = free_port()
    hook = Webhook(f"http://127.0.0.1:{port}/hook", status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.posts.append({"content_type": self.headers.get("Content-Type"), "json": json.loads(body)})
            self.send_response(hook.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
