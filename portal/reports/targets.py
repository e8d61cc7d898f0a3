"""What the report renderer opens, and the same-origin rule every request it makes must pass."""

from __future__ import annotations

from urllib.parse import urlsplit

from portal.config import Settings
from portal.embed.tokens import embed_path
from portal.reports.definitions import PageSpec

# Long enough for one try (page load plus portalReady), short enough to be useless if it leaks.
TOKEN_MARGIN_SECONDS = 60


def page_url(settings: Settings, report: str, page: PageSpec, role: str | None = None) -> str:
    """The absolute URL the renderer opens for one report page: the single place that chooses it.

    The chrome-free ``/embed`` copy of the page, signed in by a short-lived token scoped to that
    page and its query (subject ``report:<name>``): no password, and a leaked URL soon expires.
    ``role`` is the subscriber's (viewer or analyst), so the page shows only what they may see.
    """
    path = embed_path(
        settings.secret_key, page.path, page.query_dict, token_ttl(settings), f"report:{report}", role
    )
    return settings.report_origin + path


def token_ttl(settings: Settings) -> int:
    """Seconds a report token lives: one try's timeout plus a margin, so it expires with the run."""
    return settings.report_timeout + TOKEN_MARGIN_SECONDS


def origin_of(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and effective port; ``None`` port for schemes without one (file:, data:)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, origin: str) -> bool:
    """True only for http(s) URLs on exactly the portal's own scheme, host and port."""
    candidate = origin_of(url)
    return candidate[0] in ("http", "https") and candidate == origin_of(origin)
