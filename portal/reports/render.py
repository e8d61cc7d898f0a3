"""Render portal pages to PNG or PDF in the system Chromium, loading nothing but the portal's origin.

Every request the browser makes passes through a route guard: other hosts, ``file:`` and other
schemes are aborted, and a navigation answering with a redirect away is aborted before it is
followed. The page must raise the render-complete signal (``portalReady``) within the timeout.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from portal.reports import verify
from portal.reports.targets import same_origin

log = logging.getLogger(__name__)

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
CALLBACK_PATH = "/_dash-update-component"


class RenderError(Exception):
    """A page could not be rendered into a deliverable output; the message says why."""


@dataclasses.dataclass
class Capture:
    """One rendered page: its full-page screenshot, its printed PDF when asked for, and what it showed."""

    url: str
    png: bytes
    pdf: bytes | None = None
    shown: dict[str, Any] = dataclasses.field(default_factory=dict)


# Runs in the page before the screenshot: the report's header (title, generated, model and version
# shown, filters) and footer (the live view), drawn with text nodes only, never HTML from a string.
DECORATE_JS = """(info) => {
    const visible = (el) => !!(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length));
    const shownText = (suffix) => {
        const el = [...document.querySelectorAll(`[id$="-${suffix}"]`)].find(visible);
        return el ? (el.innerText || "").trim().split("\\n")[0].trim() : "";
    };
    const model = shownText("model") || info.model || "";
    const version = shownText("version") || info.version || "";
    const charts = [...document.querySelectorAll(".gtitle")].map((e) => e.textContent.trim()).filter(Boolean);
    const host = document.querySelector("main .container-fluid") || document.body;
    const make = (tag, cls, text) => {
        const el = document.createElement(tag);
        if (cls) el.className = cls;
        if (text !== undefined) el.textContent = text;
        return el;
    };
    const header = make("header", "portal-report-header");
    header.appendChild(make("h1", "", info.title));
    const facts = make("dl");
    const fact = (label, value) => {
        if (!value) return;
        const group = make("div", "d-flex");
        group.appendChild(make("dt", "", label));
        group.appendChild(make("dd", "", value));
        facts.appendChild(group);
    };
    fact("Generated", info.generated);
    fact("Model", model + (version ? ` (version ${version})` : ""));
    fact("Filters", info.filters || "none");
    header.appendChild(facts);
    host.insertBefore(header, host.firstChild);
    const footer = make("footer", "portal-report-footer");
    footer.appendChild(document.createTextNode("Live view: "));
    const link = make("a", "", info.live_url);
    link.href = info.live_url;
    footer.appendChild(link);
    host.appendChild(footer);
    return {model: model, version: version, charts: charts};
}"""


class Renderer:
    """A headless Chromium on a throwaway profile, confined to one origin; use as a context manager."""

    def __init__(self, chromium: Path, origin: str, viewport: tuple[int, int], timeout_seconds: int) -> None:
        self.chromium = Path(chromium)
        self.origin = origin
        self.viewport = viewport
        self.timeout_ms = timeout_seconds * 1000
        self.blocked: list[str] = []
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Renderer:
        if not self.chromium.is_file():
            hint = "install the system package or set PORTAL_CHROMIUM_PATH; none is downloaded"
            raise RenderError(f"no Chromium at {self.chromium}: {hint}")
        with contextlib.ExitStack() as stack:
            profile = stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-report-"))
            playwright = stack.enter_context(sync_playwright())
            self.context = self._launch(playwright, profile)
            stack.callback(self.context.close)
            self._stack = stack.pop_all()
        return self

    def _launch(self, playwright: Any, profile: str) -> Any:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(self.chromium),
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": self.viewport[0], "height": self.viewport[1]},
            service_workers="block",
            accept_downloads=False,
        )
        context.route("**/*", self._guard)
        context.route_web_socket("**/*", self._guard_socket)
        return context

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()

    def _refuse(self, url: str, why: str) -> None:
        self.blocked.append(url)
        log.warning("report renderer refused a request", extra={"url": url[:300], "why": why})

    def _guard(self, route: Any, request: Any) -> None:
        """Abort anything off the portal's origin, including navigations redirected away."""
        url = request.url
        if not same_origin(url, self.origin):
            self._refuse(url, "not the portal's origin")
            route.abort("blockedbyclient")
            return
        if not request.is_navigation_request():
            route.continue_()
            return
        try:
            response = route.fetch(max_redirects=0, timeout=self.timeout_ms)
        except Exception as exc:  # connection refused, timeout: the page load fails with the reason
            log.warning("report page could not be fetched", extra={"url": url, "error": str(exc)})
            route.abort("connectionrefused")
            return
        location = response.headers.get("location")
        if 300 <= response.status < 400 and location:
            target = urljoin(url, location)
            if not same_origin(target, self.origin):
                self._refuse(target, f"redirect from {url}")
                route.abort("blockedbyclient")
                return
        route.fulfill(response=response)

    def _guard_socket(self, socket: Any) -> None:
        if same_origin(socket.url.replace("ws", "http", 1), self.origin):
            socket.connect_to_server()
        else:
            self._refuse(socket.url, "web socket off the portal's origin")
            socket.close()

    def capture(self, url: str, pdf: bool = False, header: dict[str, str] | None = None) -> Capture:
        """Open ``url``, wait for portalReady, check the page, then screenshot (and print).

        With ``header`` (title, generated, filters, live_url) the page gets the report's header and footer.
        """
        if not same_origin(url, self.origin):
            raise RenderError(f"refused to open {url}: not on the portal's origin {self.origin}")
        self.blocked.clear()
        failed_callbacks: list[str] = []
        page = self.context.new_page()
        page.on(
            "response",
            lambda r: (
                failed_callbacks.append(f"HTTP {r.status}")
                if CALLBACK_PATH in r.url and r.status >= 400
                else None
            ),
        )

        try:
            return self._capture(page, url, pdf, failed_callbacks, header)
        except PlaywrightError as exc:  # the browser or page crashed mid-capture: worth another try
            raise RenderError(f"the browser failed on {url}: {str(exc).splitlines()[0]}") from None
        finally:
            page.close()

    def _capture(
        self, page: Any, url: str, pdf: bool, failed_callbacks: list[str], header: dict[str, str] | None
    ) -> Capture:
        try:
            response = page.goto(url, wait_until="domcontentloaded", timeout=self.timeout_ms)
        except PlaywrightError as exc:
            if self.blocked:
                raise RenderError(f"refused to load {self.blocked[0]}: not on the portal's origin") from None
            raise RenderError(f"could not open {url}: {str(exc).splitlines()[0]}") from None
        self._refuse_if_blocked()
        if response is None or response.status >= 400:
            status = response.status if response is not None else "no response"
            raise RenderError(f"{url} answered HTTP {status}")
        if not same_origin(page.url, self.origin):
            raise RenderError(f"refused: the page moved to {page.url}, off the portal's origin")
        try:
            page.wait_for_function(verify.READY_OR_ERROR_JS, timeout=self.timeout_ms, polling=100)
        except PlaywrightTimeout:
            state = page.evaluate(verify.PAGE_STATE_JS)
            if failed_callbacks:
                raise RenderError(f"a callback of the page failed ({failed_callbacks[0]})") from None
            if state.get("errors"):
                verify.check_page_state(state)
            seconds = self.timeout_ms // 1000
            raise RenderError(f"the page did not signal portalReady within {seconds} s") from None
        if failed_callbacks:
            raise RenderError(f"a callback of the page failed ({failed_callbacks[0]})")
        self._refuse_if_blocked()
        verify.check_page_state(page.evaluate(verify.PAGE_STATE_JS))
        shown = page.evaluate(DECORATE_JS, header) if header is not None else {}
        png = page.screenshot(full_page=True, animations="disabled")
        verify.check_image(png)
        printed = self._print(page) if pdf else None
        verify.check_page_state(page.evaluate(verify.PAGE_STATE_JS))
        self._refuse_if_blocked()
        return Capture(url, png, printed, shown)

    def _refuse_if_blocked(self) -> None:
        """A page that tried to reach anything off the origin is not delivered, whatever it shows."""
        if self.blocked:
            raise RenderError(f"refused to load {self.blocked[0]}: not on the portal's origin")

    def _print(self, page: Any) -> bytes:
        """One PDF page holding the whole portal page, laid out by the print stylesheet."""
        page.emulate_media(media="print")
        try:
            height = page.evaluate("() => Math.ceil(document.documentElement.scrollHeight)")
            return page.pdf(
                width=f"{self.viewport[0]}px",
                height=f"{max(height, 200) + 2}px",
                print_background=True,
                page_ranges="1",
                margin={"top": "0", "bottom": "0", "left": "0", "right": "0"},
            )
        finally:
            page.emulate_media(media="screen")
