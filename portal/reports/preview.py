"""A preview of a subscription's first page, rendered exactly as its runs will be, before it is saved."""

from __future__ import annotations

import base64
import io

from PIL import Image

from portal.config import Settings
from portal.reports.render import Renderer
from portal.reports.runner import page_header
from portal.reports.subscriptions import Subscription
from portal.reports.targets import page_url

PREVIEW_WIDTH = 900


def render_first_page(settings: Settings, subscription: Subscription) -> bytes:
    """The first page as PNG, through the subscriber's scoped token, header and footer included.

    Raises :class:`~portal.reports.render.RenderError` or ``OutputRejected`` like a run's try.
    """
    definition = subscription.definition()
    page = definition.pages[0]
    with Renderer(
        settings.chromium_path, settings.report_origin, definition.viewport, settings.report_timeout
    ) as r:
        url = page_url(settings, definition.name or "preview", page, definition.role)
        return r.capture(url, header=page_header(settings, definition, page)).png


def data_url(png: bytes) -> str:
    """A smaller copy as a ``data:`` URL the dialog can show (the CSP allows data: images)."""
    with Image.open(io.BytesIO(png)) as image:
        image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 4))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
