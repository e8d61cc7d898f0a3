"""The renderer in real Chromium against a stand-in origin: same-origin guard and output checks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from portal.reports.render import Renderer, RenderError
from portal.reports.verify import OutputRejected, check_image
from tests.support.browser import CHROMIUM
from tests.support.servers import free_port

pytestmark = pytest.mark.browser

CHART = '<div style="height:400px;background:linear-gradient(90deg,#636efa,#ef553b,#00cc96)"></div>'


def _page(body: str, ready: bool = True) -> str:
    flag = ' data-portal-ready="true"' if ready else ""
    return (
        f'<!doctype html><html><body{flag}><div id="react-entry-point"><div>{body}</div></div></body></html>'
    )


class _Site:
    """A loopback HTTP server answering fixed paths and counting every request it gets."""

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], str]]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                status, headers, body = pages.get(self.path, (404, {}, "missing"))
                data = body.encode()
                self.send_response(status)
                for key, value in {"Content-Type": "text/html", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[_Site, _Site]]:
    """``portal`` is the allowed origin; ``other`` is another service that must never be reached."""
    other = _Site({"/": (200, {}, _page(CHART)), "/pixel.png": (200, {}, "x")})
    portal = _Site(
        {
            "/ok": (200, {}, _page(f"<h1>Report</h1>{CHART}")),
            "/redirect-away": (302, {"Location": f"{other.url}/"}, ""),
            "/redirect-home": (302, {"Location": "/ok"}, ""),
            "/leaks": (200, {}, _page(f'{CHART}<img src="{other.url}/pixel.png">')),
            "/script-away": (
                200,
                {},
                _page(f"<script>location.href = '{other.url}/';</script>", ready=False),
            ),
            "/blank": (200, {}, _page("")),
            "/spinner": (200, {}, _page(f'{CHART}<div class="spinner-border" role="status"></div>')),
            "/alert": (200, {}, _page(f'{CHART}<div class="alert alert-danger">Callback error</div>')),
            "/never-ready": (200, {}, _page(CHART, ready=False)),
            "/error-page": (500, {}, "<div class='portal-error'>Error 500</div>"),
        }
    )
    yield portal, other
    portal.close()
    other.close()


@pytest.fixture(scope="module")
def renderer(sites) -> Iterator[Renderer]:
    portal, _other = sites
    with Renderer(CHROMIUM, portal.url, (800, 600), timeout_seconds=5) as instance:
        yield instance


def test_ren001_same_origin_page_renders(sites, renderer) -> None:
    portal, _ = sites
    capture = renderer.capture(f"{portal.url}/ok", pdf=True)
    check_image(capture.png)
    assert capture.pdf and capture.pdf.startswith(b"%PDF")
    assert renderer.capture(f"{portal.url}/redirect-home").png, "redirects within the origin are fine"


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/redirect-away", "refused to load http://127.0.0.1:"),
        ("/leaks", "refused to load http://127.0.0.1:"),
        ("/script-away", "refused to load http://127.0.0.1:"),
    ],
)
def test_ren002_nothing_off_the_origin_is_ever_requested(sites, renderer, path, reason) -> None:
    portal, other = sites
    before = len(other.hits)
    with pytest.raises(RenderError, match=reason):
        renderer.capture(portal.url + path)
    assert other.hits[before:] == [], "the other service must not receive a single request"


def test_ren003_file_and_foreign_urls_are_refused_outright(sites, renderer) -> None:
    portal, other = sites
    for url in ("file:///etc/passwd", f"{other.url}/", f"http://localhost:{portal.port}/ok"):
        with pytest.raises(RenderError, match="not on the portal's origin"):
            renderer.capture(url)


@pytest.mark.parametrize(
    "path, error, reason",
    [
        ("/blank", OutputRejected, "blank or near-uniform"),
        ("/spinner", OutputRejected, "spinner"),
        ("/alert", OutputRejected, "shows an error: Callback error"),
        ("/never-ready", RenderError, "did not signal portalReady within 5 s"),
        ("/error-page", RenderError, "answered HTTP 500"),
    ],
)
def test_ren004_unfit_output_is_rejected_with_the_reason(sites, renderer, path, error, reason) -> None:
    portal, _ = sites
    with pytest.raises(error, match=reason):
        renderer.capture(portal.url + path)


def test_ren005_missing_chromium_is_named_and_nothing_is_downloaded(tmp_path) -> None:
    with (
        pytest.raises(RenderError, match=r"no Chromium at .*PORTAL_CHROMIUM_PATH"),
        Renderer(tmp_path / "chromium", "http://127.0.0.1:1", (800, 600), 5),
    ):
        pass
