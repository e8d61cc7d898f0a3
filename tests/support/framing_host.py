"""A tiny web server standing in for an intranet page that frames the portal, on its own origin."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Records every message the page receives, from anyone, before the README snippet filters them.
RECORDER = """<script>
window.__messages = [];
window.addEventListener("message", function (event) {
  window.__messages.push({origin: event.origin, data: event.data});
});
</script>"""


def host_page(snippet: str, portal_origin: str, frame_src: str) -> str:
    """The README's host snippet, pointed at the portal under test, in a page of its own."""
    src = html.escape(frame_src, quote=True)
    body = snippet.replace("https://portal.example.com/embed/overview?model=churn&token=...", src)
    body = body.replace('"https://portal.example.com"', f'"{portal_origin}"')
    assert src in body and portal_origin in body.replace(src, ""), "the README snippet changed shape"
    head = f"<head><title>Intranet</title>{RECORDER}</head>"
    return f"<!doctype html><html>{head}<body><h1>Intranet</h1>{body}</body></html>"


@contextmanager
def serve_host(port: int, snippet: str, portal_origin: str) -> Iterator[str]:
    """Serve ``/host?src=<portal URL>`` on 127.0.0.1:``port``; yields ``http://localhost:<port>``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/favicon.ico":
                self.send_response(204)
                self.end_headers()
                return
            src = parse_qs(parts.query).get("src", [""])[0]
            if parts.path != "/host" or not src:
                self.send_error(404)
                return
            payload = host_page(snippet, portal_origin, src).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}"
    finally:
        server.shutdown()
        server.server_close()
