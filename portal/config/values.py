"""Parsers for configuration values: each turns one environment string into a typed value.

A parser raises ``ValueError`` with a message that says what is expected; ``load_settings``
adds the variable's name, so the operator sees one line naming both.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from models.drift_thresholds import DriftThresholds

HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected one of true/false, yes/no, on/off, 1/0")


def parse_int(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError("expected a whole number") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise ValueError(f"expected a whole number {bound}")
        return value

    return parse


def parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return parse


def parse_text(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def parse_choice_lower(raw: str) -> str:
    return parse_text(raw).lower()


def parse_optional_text(raw: str) -> str:
    return raw.strip()


def parse_path(raw: str) -> Path:
    return Path(parse_text(raw)).expanduser()


def parse_seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not 0 < value <= 60:
        raise ValueError("expected seconds between 0 and 60")
    return value


def parse_cache_url(raw: str) -> str:
    value = raw.strip()
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected empty (filesystem cache) or a redis://host:port/db URL")
    return value


SUPPORTED_DATABASES = ("sqlite", "postgresql")


def parse_database_url(raw: str) -> str:
    value = raw.strip()
    if not value:
        return value
    if "://" not in value:
        raise ValueError("expected an SQLAlchemy URL such as postgresql+psycopg://user@host/db")
    # Deferred for start-up cost: SQLAlchemy takes 0.4 s to import, and most commands never need it.
    import sqlalchemy as sa

    try:
        url = sa.make_url(value)
        url.get_dialect()
    except Exception as exc:  # unparseable URL or driver not installed
        raise ValueError(f"cannot use {value.split('://')[0]}:// ({type(exc).__name__}: {exc})") from None
    if url.get_backend_name() not in SUPPORTED_DATABASES:
        raise ValueError(f"expected a sqlite:// or postgresql+psycopg:// URL, not {url.get_backend_name()}")
    return value


def parse_drift_thresholds(raw: str) -> dict[str, dict[str, Any]]:
    """``{"model": {"threshold": value}}``; every entry is checked now, not when a page first needs it."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError('expected a JSON object of objects, e.g. {"churn": {"wasserstein": 0.2}}')
    for model, thresholds in value.items():
        try:
            DriftThresholds.from_mapping(thresholds)
        except ValueError as exc:
            raise ValueError(f"model {model!r}: {exc}") from None
    return value


def parse_broker_url(raw: str) -> str:
    value = raw.strip()
    if value and not value.startswith(("redis://", "rediss://", "amqp://")):
        raise ValueError("expected empty (disk-cache jobs) or a redis:// broker URL")
    return value


def _http_address(raw: str, path_allowed: bool, expected: str) -> str:
    """Empty, or an http(s) address with a host and no query or fragment (and no path unless allowed)."""
    value = raw.strip().rstrip("/")
    if not value:
        return value
    parts = urlsplit(value)
    extra = parts.query or parts.fragment or (parts.path and not path_allowed)
    if parts.scheme not in ("http", "https") or not parts.hostname or extra:
        raise ValueError(expected)
    return value


def parse_base_url(raw: str) -> str:
    """The report renderer's origin: scheme, host and port only."""
    return _http_address(
        raw, False, "expected empty (http://HOST:PORT) or an origin such as https://portal.example.com"
    )


def parse_public_url(raw: str) -> str:
    """The address people open, perhaps under a path prefix (``https://intranet/analytics``)."""
    return _http_address(raw, True, "expected empty or an address such as https://portal.example.com")


def parse_host(raw: str) -> str:
    value = parse_text(raw)
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not HOSTNAME.fullmatch(value):
            raise ValueError("expected an IP address or host name") from None
    return value


def parse_domains(raw: str) -> tuple[str, ...]:
    """Mail domains separated by commas or spaces, lower-cased; each must look like a host name."""
    domains = tuple(dict.fromkeys(part.strip().lower().lstrip("@") for part in re.split(r"[,\s]+", raw)))
    domains = tuple(domain for domain in domains if domain)
    for domain in domains:
        if not HOSTNAME.fullmatch(domain):
            raise ValueError(f"{domain!r} is not a mail domain; expected names such as example.com")
    return domains
