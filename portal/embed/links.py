"""Issue embed links from what a person types: a page, a query string and a lifetime like ``1h``.

The ``portal embed-url`` command and the ``/api/v1/embed-tokens`` endpoint share these rules,
so both refuse the same mistakes with the same words.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from portal.embed import tokens as embed_tokens

_DURATION = re.compile(r"(\d{1,9})\s*([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
MAX_VALUE_CHARS = 2000
MAX_PARAMS = 50


class LinkError(ValueError):
    """A page, query, lifetime or base URL that cannot make a link; the message says how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclasses.dataclass(frozen=True)
class EmbedLink:
    """An issued link: the full URL, its path, the bare token, and when it stops working."""

    url: str
    path: str
    token: str
    page: str
    query: dict[str, str]
    expires_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "path": self.path,
            "token": self.token,
            "page": self.page,
            "query": self.query,
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
        }


def parse_ttl(raw: Any) -> int:
    """Seconds from ``90s``, ``15m``, ``1h``, ``7d`` or a bare number of seconds."""
    text = str(raw).strip().lower() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    match = _DURATION.fullmatch(text)
    if not match:
        raise LinkError("ttl", f"ttl {raw!r} is not a duration; use e.g. 90s, 15m, 1h or 7d")
    seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
    if not 0 < seconds <= embed_tokens.MAX_TTL_SECONDS:
        raise LinkError("ttl", f"ttl {raw!r} must be between 1 second and 366 days")
    return seconds


def resolve_page(raw: Any, page_paths: Iterable[str], embeddable: Iterable[str] | None = None) -> str:
    """The page path for ``/overview``, ``overview`` or ``/`` (home); refuses unknown pages.

    With ``embeddable``, a known page outside it is refused too: a link to it could never open.
    """
    paths = list(page_paths)
    allowed = paths if embeddable is None else [path for path in paths if path in set(embeddable)]
    if not isinstance(raw, str) or not raw.strip():
        raise LinkError("page", f"page must be one of {', '.join(allowed)}")
    wanted = "/" + raw.strip().strip("/")
    for path in paths:
        if (path.rstrip("/") or "/") == wanted:
            if path not in allowed:
                choices = ", ".join(allowed)
                message = f"page {path} cannot be embedded (admin pages never are); choose one of {choices}"
                raise LinkError("page", message)
            return path
    raise LinkError("page", f"unknown page {raw!r}; choose one of {', '.join(allowed)}")


def parse_query_string(raw: str) -> dict[str, str]:
    """``model=churn&segment=plan`` as a mapping, refusing malformed or repeated parameters."""
    text = raw.strip().lstrip("?")
    if not text:
        return {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_PARAMS)
    except ValueError as exc:
        raise LinkError("query", f"query {raw!r} is not name=value pairs joined by &: {exc}") from None
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise LinkError("query", f"query names {', '.join(repeated)} more than once")
    return check_query(dict(pairs))


def check_query(query: Any, model_names: Iterable[str] | None = None) -> dict[str, str]:
    """Query values a page can take from its URL: names, plain values, and a registered model."""
    if not isinstance(query, Mapping):
        raise LinkError("query", 'query must be an object of names to values, like {"model": "churn"}')
    if len(query) > MAX_PARAMS:
        raise LinkError("query", f"query has more than {MAX_PARAMS} parameters")
    checked: dict[str, str] = {}
    for name, value in query.items():
        if not isinstance(name, str) or not _PARAM_NAME.fullmatch(name):
            raise LinkError("query", f"query parameter name {name!r} is not a plain name like model")
        if name == embed_tokens.TOKEN_PARAM:
            raise LinkError("query", f"query cannot set {name!r}: the link's own token goes there")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise LinkError("query", f"query value of {name!r} must be a string or number")
        text = str(value)
        if len(text) > MAX_VALUE_CHARS or any(ord(ch) < 32 for ch in text):
            raise LinkError("query", f"query value of {name!r} is too long or has control characters")
        checked[name] = text
    if model_names is not None and "model" in checked:
        names = list(model_names)
        if checked["model"] not in names:
            known = ", ".join(names) or "none yet"
            raise LinkError("query", f"model {checked['model']!r} is not registered (registered: {known})")
    return checked


def check_base_url(raw: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a query, so the printed URL opens as is."""
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise LinkError("base_url", f"base URL {raw!r} must look like https://portal.example.com")
    return value


def issue_link(
    secret_key: str,
    base_url: str,
    page: str,
    query: Mapping[str, str],
    ttl_seconds: int,
    subject: str = "embed",
    now: float | None = None,
) -> EmbedLink:
    """Sign a token for ``page`` pinning ``query`` and build the URL a frame opens."""
    issued_at = time.time() if now is None else now
    token = embed_tokens.issue(secret_key, page, ttl_seconds, query, subject, now=issued_at)
    path = embed_tokens.path_with_token(page, query, token)
    expires = datetime.fromtimestamp(int(issued_at + ttl_seconds), tz=UTC)
    return EmbedLink(f"{check_base_url(base_url)}{path}", path, token, page, dict(query), expires)
