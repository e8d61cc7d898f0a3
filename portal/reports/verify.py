"""Checks that a rendered page is worth delivering: not blank, no spinner, no error on screen.

Screenshot services elsewhere deliver empty PNGs with a green status; a report that fails
these checks is retried and, if it keeps failing, recorded as failed and never delivered.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageStat

# A page whose grey levels barely vary, or that is almost one colour, shows nothing useful.
MIN_STDDEV = 3.0
MAX_DOMINANT_SHARE = 0.985

SPINNER_SELECTORS = ".dash-spinner, .dash-default-spinner, ._dash-loading, .spinner-border, .spinner-grow"
ERROR_SELECTORS = (
    ".alert-danger, .portal-error, .portal-not-found, .dash-fe-error__title, .dash-fe-error-top, "
    "#_dash-global-error-container .dash-error-card"
)

# Runs in the page: what is on screen right now that would make the capture wrong.
PAGE_STATE_JS = f"""() => {{
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const spinners = [...document.querySelectorAll({SPINNER_SELECTORS!r})].filter(visible);
    const errors = [...document.querySelectorAll({ERROR_SELECTORS!r})].filter(visible)
        .map((el) => (el.innerText || el.className || "error").trim().replace(/\\s+/g, " ").slice(0, 200));
    return {{
        ready: !!document.body && document.body.dataset.portalReady === "true",
        spinner: spinners.length > 0,
        errors: errors,
        rendered: !!document.querySelector("#react-entry-point > *"),
    }};
}}"""

# Resolves as soon as the page is ready or shows an error, so errors do not wait for the timeout.
READY_OR_ERROR_JS = f"""() => !!document.body && (document.body.dataset.portalReady === "true"
    || document.querySelector({ERROR_SELECTORS!r}) !== null)"""


class OutputRejected(Exception):
    """The capture is not fit to deliver; the message says what was wrong."""


def check_page_state(state: dict[str, Any]) -> None:
    """Refuse a page that shows an error, a spinner, or nothing at all."""
    if state.get("errors"):
        raise OutputRejected(f"the page shows an error: {state['errors'][0]}")
    if state.get("spinner"):
        raise OutputRejected("the page still shows a loading spinner")
    if not state.get("rendered"):
        raise OutputRejected("the page rendered nothing")
    if not state.get("ready"):
        raise OutputRejected("the page was not ready (portalReady is not true)")


def image_stats(png: bytes) -> tuple[float, float]:
    """Grey-level standard deviation and the share of the most common colour."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        rgb.thumbnail((800, 800))
        stddev = ImageStat.Stat(rgb.convert("L")).stddev[0]
        colours = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
        total = rgb.width * rgb.height
        dominant = max((count for count, _ in colours), default=total) / total if total else 1.0
    return stddev, dominant


def check_image(png: bytes) -> None:
    """Refuse blank or near-uniform screenshots by their pixel statistics."""
    try:
        stddev, dominant = image_stats(png)
    except OSError as exc:
        raise OutputRejected(f"the screenshot is not a readable PNG ({exc})") from None
    if stddev < MIN_STDDEV or dominant > MAX_DOMINANT_SHARE:
        raise OutputRejected(
            f"the screenshot is blank or near-uniform (grey-level spread {stddev:.1f}, "
            f"{dominant:.1%} of pixels one colour)"
        )
