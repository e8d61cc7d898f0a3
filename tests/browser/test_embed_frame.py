"""Embedding in real Chromium: a host page on another loopback origin frames a real gunicorn portal."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from portal.embed import tokens as embed_tokens
from tests.conftest import base_env
from tests.support.browser import watch
from tests.support.framing_host import serve_host
from tests.support.servers import GunicornServer, free_port, start_gunicorn

pytestmark = pytest.mark.browser
SECRET = "b" * 40
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_snippet() -> str:
    text = README.read_text()
    match = re.search(
        r"<!-- embed-host-snippet -->\s*```html\n(.*?)```\s*<!-- /embed-host-snippet -->", text, re.S
    )
    assert match, "README lost its host snippet"
    return match[1]


@pytest.fixture(scope="module")
def hosts(module_data_dir: Path) -> Iterator[tuple[GunicornServer, str, str]]:
    """The portal allowing one localhost origin; host pages on that origin and on a refused one."""
    allowed_port, refused_port = free_port(), free_port()
    allowed = f"http://localhost:{allowed_port}"
    env = base_env(
        module_data_dir,
        PORTAL_WORKERS="2",
        PORTAL_SECRET_KEY=SECRET,
        PORTAL_FRAME_ANCESTORS=f"'self' {allowed}",
    )
    portal = start_gunicorn(env)
    snippet = readme_snippet()
    try:
        with (
            serve_host(allowed_port, snippet, portal.url) as allowed_host,
            serve_host(refused_port, snippet, portal.url) as refused_host,
        ):
            yield portal, allowed_host, refused_host
    finally:
        portal.stop()


def _open_host(context, host: str, src: str):
    page = context.new_page()
    problems = watch(page, expected_statuses=(401,))
    page.goto(f"{host}/host?src={quote(src, safe='')}", wait_until="load")
    return page, problems


def _portal_frame(page, portal_url: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame.url.startswith(portal_url):
                return frame
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame from {portal_url}: {[f.url for f in page.frames]}")


def test_emf001_allowed_origin_frames_the_page_and_gets_its_height(hosts, browser_context) -> None:
    portal, allowed_host, _ = hosts
    src = portal.url + embed_tokens.embed_path(SECRET, "/overview", {"model": "churn"}, 600) + "&segment=plan"
    page, problems = _open_host(browser_context, allowed_host, src)
    frame = _portal_frame(page, portal.url)
    frame.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=30000)
    assert "Overview" in frame.inner_text(".portal-page-header")
    assert frame.locator("#overview-model").is_visible()
    # The pinned model cannot be changed inside the frame; the free segment can.
    assert frame.locator("#overview-model").is_disabled()
    assert not frame.locator(".portal-navbar").is_visible()
    # The README snippet resized the iframe to the content's height.
    page.wait_for_function(
        "() => window.__messages.some(m => m.data && m.data.type === 'portal:embed-height')", timeout=15000
    )
    messages = page.evaluate("() => window.__messages")
    assert {m["origin"] for m in messages} == {portal.url}
    heights = [m["data"]["height"] for m in messages if m["data"]["type"] == "portal:embed-height"]
    assert all(m["data"]["page"] == "/overview" for m in messages)
    content = frame.evaluate("() => Math.ceil(document.getElementById('react-entry-point').scrollHeight)")
    page.wait_for_function(
        "(h) => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) <= 2",
        arg=max(150, heights[-1]),
        timeout=10000,
    )
    assert heights[-1] > 600 and abs(heights[-1] - content) <= 2
    # Content that grows later is followed: a new message, and the frame grows with it.
    frame.evaluate(
        """() => { const d = document.createElement('div'); d.style.height = '700px';
        document.querySelector('.portal-embed-page').appendChild(d); }"""
    )
    page.wait_for_function(
        "(h) => document.querySelector('iframe').getBoundingClientRect().height >= h",
        arg=heights[-1] + 700,
        timeout=10000,
    )
    # The URL state keeps the embed path and its token while controls change.
    frame.locator("#overview-segment").click()
    frame.get_by_role("option", name="region").click()
    frame.wait_for_function("() => window.location.search.includes('segment=region')", timeout=10000)
    location = frame.evaluate("() => window.location.pathname + window.location.search")
    assert location.startswith("/embed/overview?") and "token=" in location and "model=churn" in location
    assert problems.all() == []
    page.close()


def test_emf002_refused_origin_gets_a_blocked_frame(hosts, browser_context) -> None:
    portal, _, refused_host = hosts
    src = portal.url + embed_tokens.embed_path(SECRET, "/overview", {"model": "churn"}, 600)
    page = browser_context.new_page()
    with page.expect_console_message(lambda msg: "frame-ancestors" in msg.text, timeout=15000) as refused:
        page.goto(f"{refused_host}/host?src={quote(src, safe='')}", wait_until="load")
    assert "blocked" in refused.value.text
    page.wait_for_timeout(1000)
    assert not any(_loaded_portal(frame, portal.url) for frame in page.frames[1:])
    assert page.frame_locator("iframe").locator(".portal-page-header").count() == 0
    assert page.evaluate("() => window.__messages") == []
    page.close()


def _loaded_portal(frame, portal_url: str) -> bool:
    """Whether a frame holds a portal document (a blocked frame holds Chromium's error page)."""
    try:
        return frame.url.startswith(portal_url) and frame.evaluate(
            "() => !!document.getElementById('react-entry-point')"
        )
    except Exception:
        return False


def test_emf003_a_token_for_one_page_cannot_open_another(hosts, browser_context) -> None:
    portal, allowed_host, _ = hosts
    overview = embed_tokens.embed_path(SECRET, "/overview", {}, 600)
    src = portal.url + overview.replace("/embed/overview", "/embed/performance")
    page, _ = _open_host(browser_context, allowed_host, src)
    frame = _portal_frame(page, portal.url)
    frame.wait_for_selector(".portal-error", timeout=15000)
    assert "Error 401" in frame.inner_text(".portal-error")
    assert "another page" in frame.inner_text(".portal-error")
    assert frame.locator("#perf-model").count() == 0
    page.close()


def test_emf004_an_expired_token_gets_401(hosts, browser_context) -> None:
    portal, allowed_host, _ = hosts
    token = embed_tokens.issue(SECRET, "/overview", 60, {"model": "churn"}, now=time.time() - 600)
    src = f"{portal.url}/embed/overview?model=churn&token={token}"
    page, _ = _open_host(browser_context, allowed_host, src)
    frame = _portal_frame(page, portal.url)
    frame.wait_for_selector(".portal-error", timeout=15000)
    assert "expired" in frame.inner_text(".portal-error")
    assert frame.locator("#overview-model").count() == 0
    direct = browser_context.new_page()
    assert direct.goto(src).status == 401
    direct.close()
    page.close()


@pytest.mark.parametrize("path", ["/", "/what-if", "/performance", "/models"])
def test_emf005_every_page_renders_and_signals_ready_inside_the_frame(hosts, browser_context, path) -> None:
    portal, allowed_host, _ = hosts
    src = portal.url + embed_tokens.embed_path(SECRET, path, {"model": "churn"}, 600)
    page, problems = _open_host(browser_context, allowed_host, src)
    frame = _portal_frame(page, portal.url)
    frame.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=30000)
    assert frame.locator(".portal-embed-page .portal-page-header").count() == 1
    assert not frame.locator(".portal-navbar").is_visible()
    # The URL state scripts keep the embed path and its token.
    location = frame.evaluate("() => window.location.pathname + window.location.search")
    assert location.startswith(embed_tokens.page_embed_path(path) + "?") and "token=" in location
    assert problems.all() == []
    page.close()


def test_emf006_links_to_other_pages_open_in_a_new_tab(hosts, browser_context) -> None:
    portal, allowed_host, _ = hosts
    src = portal.url + embed_tokens.embed_path(SECRET, "/models", {"model": "churn"}, 600)
    page, problems = _open_host(browser_context, allowed_host, src)
    frame = _portal_frame(page, portal.url)
    frame.wait_for_function("() => document.body.dataset.portalReady === 'true'", timeout=30000)
    frame.evaluate(
        """() => { const a = document.createElement('a'); a.id = 'to-overview'; a.href = '/overview';
        a.textContent = 'Overview'; document.querySelector('.portal-embed-page').appendChild(a); }"""
    )
    with browser_context.expect_page(timeout=10000) as opened:
        frame.click("#to-overview")
    opened.value.wait_for_load_state()
    assert opened.value.url == f"{portal.url}/overview"
    assert frame.evaluate("() => window.location.pathname") == "/embed/models"
    assert frame.locator("#models-select").count() == 1
    assert problems.all() == []
    opened.value.close()
    page.close()
