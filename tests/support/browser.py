"""Real headless Chromium (the system package) driven by Playwright, with console capture."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


@dataclasses.dataclass
class PageProblems:
    """What went wrong while a page was open: console errors, page errors, failed requests."""

    console_errors: list[str] = dataclasses.field(default_factory=list)
    page_errors: list[str] = dataclasses.field(default_factory=list)
    failed_responses: list[str] = dataclasses.field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.failed_responses]


@contextmanager
def chromium_context(viewport: tuple[int, int] = (1280, 900), bypass_csp: bool = False) -> Iterator[object]:
    """A persistent Chromium context on a throwaway profile, closed on exit.

    ``bypass_csp`` lets a test tool inject its own script (axe-core); the portal's pages forbid that.
    """
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="portal-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": viewport[0], "height": viewport[1]},
            bypass_csp=bypass_csp,
        )
        try:
            yield context
        finally:
            context.close()


def watch(page: object, expected_statuses: tuple[int, ...] = ()) -> PageProblems:
    """Record console errors, uncaught exceptions and HTTP errors (callback failures) of a page."""
    problems = PageProblems()
    page.on("console", lambda msg: problems.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.page_errors.append(str(exc)))

    def on_response(response: object) -> None:
        if response.status >= 400 and response.status not in expected_statuses:
            problems.failed_responses.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    return problems
