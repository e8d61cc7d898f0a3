"""Typed settings read once from ``PORTAL_*`` environment variables.

Every setting is declared in ``SETTINGS`` with its default and the operational effect of
changing it; the README's configuration table is generated from the same list, so the two
cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from portal.framing import parse_frame_ancestors

ENV_PREFIX = "PORTAL_"
# Variables under this prefix belong to the test suite, not to a running portal.
RESERVED_PREFIXES = ("PORTAL_TEST_",)
DEFAULT_SECRET_KEY = "dev-only-not-secret"
_HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?")


class ConfigError(Exception):
    """A configuration mistake; the message names the variable and what to set."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected one of true/false, yes/no, on/off, 1/0")


def _parse_int(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
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


def _parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value

    return parse


def _parse_text(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _parse_choice_lower(raw: str) -> str:
    return _parse_text(raw).lower()


def _parse_optional_text(raw: str) -> str:
    return raw.strip()


def _parse_path(raw: str) -> Path:
    return Path(_parse_text(raw)).expanduser()


def _parse_seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not 0 < value <= 60:
        raise ValueError("expected seconds between 0 and 60")
    return value


def _parse_cache_url(raw: str) -> str:
    value = raw.strip()
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected empty (filesystem cache) or a redis://host:port/db URL")
    return value


SUPPORTED_DATABASES = ("sqlite", "postgresql")


def _parse_database_url(raw: str) -> str:
    value = raw.strip()
    if not value:
        return value
    if "://" not in value:
        raise ValueError("expected an SQLAlchemy URL such as postgresql+psycopg://user@host/db")
    import sqlalchemy as sa

    try:
        url = sa.make_url(value)
        url.get_dialect()
    except Exception as exc:  # unparseable URL or driver not installed
        raise ValueError(f"cannot use {value.split('://')[0]}:// ({type(exc).__name__}: {exc})") from None
    if url.get_backend_name() not in SUPPORTED_DATABASES:
        raise ValueError(f"expected a sqlite:// or postgresql+psycopg:// URL, not {url.get_backend_name()}")
    return value


def _parse_drift_thresholds(raw: str) -> dict[str, dict[str, float]]:
    """``{"model": {"threshold": value}}``; every entry is checked now, not when a page first needs it."""
    import json

    from models.drift import DriftThresholds

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


def _parse_broker_url(raw: str) -> str:
    value = raw.strip()
    if value and not value.startswith(("redis://", "rediss://", "amqp://")):
        raise ValueError("expected empty (disk-cache jobs) or a redis:// broker URL")
    return value


def _parse_base_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value:
        return value
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ValueError("expected empty (http://HOST:PORT) or an origin such as https://portal.example.com")
    return value


def _parse_host(raw: str) -> str:
    value = _parse_text(raw)
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.fullmatch(value):
            raise ValueError("expected an IP address or host name") from None
    return value


@dataclasses.dataclass(frozen=True)
class Setting:
    """One configurable value: where it is read from and why it matters."""

    field: str
    env: str
    default: str
    parse: Callable[[str], Any]
    help: str


from portal.security.settings import AUTH_SETTINGS, check_auth_settings  # noqa: E402

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "env",
        "PORTAL_ENV",
        "development",
        _parse_choice("development", "production"),
        "`production` refuses the default secret key and debug mode.",
    ),
    Setting(
        "debug",
        "PORTAL_DEBUG",
        "false",
        _parse_bool,
        "Dash dev tools and tracebacks in the browser. Never in production.",
    ),
    Setting(
        "secret_key",
        "PORTAL_SECRET_KEY",
        DEFAULT_SECRET_KEY,
        _parse_text,
        "Signs sessions and embed tokens. Set a long random value in production.",
    ),
    Setting(
        "title",
        "PORTAL_TITLE",
        "Analytics Portal",
        _parse_text,
        "Name shown in the navbar and the browser tab.",
    ),
    Setting(
        "theme",
        "PORTAL_THEME",
        "flatly",
        _parse_choice_lower,
        "Bootswatch theme served locally, e.g. `bootstrap`, `flatly`, `cosmo`, `darkly`.",
    ),
    Setting(
        "host",
        "HOST",
        "127.0.0.1",
        _parse_host,
        "Address gunicorn binds to. Use `0.0.0.0` behind a proxy or in a container.",
    ),
    Setting("port", "PORT", "8050", _parse_int(1, 65535), "Port gunicorn listens on."),
    Setting(
        "data_dir",
        "PORTAL_DATA_DIR",
        "var",
        _parse_path,
        "Root for the default SQLite file, file cache and job store.",
    ),
    Setting(
        "model_dir",
        "PORTAL_MODEL_DIR",
        "",
        _parse_optional_text,
        "Model registry root (`<name>/<version>/`). Empty means `<data dir>/models`.",
    ),
    Setting(
        "database_url",
        "PORTAL_DATABASE_URL",
        "",
        _parse_database_url,
        "SQLAlchemy URL of the portal database. Empty means SQLite in the data dir.",
    ),
    Setting(
        "cache_url",
        "PORTAL_CACHE_URL",
        "",
        _parse_cache_url,
        "Empty: a filesystem cache shared by all workers. `redis://...`: Redis.",
    ),
    Setting(
        "cache_timeout",
        "PORTAL_CACHE_TIMEOUT",
        "86400",
        _parse_int(1),
        "Seconds a cached prediction or figure lives. Keys include the model version.",
    ),
    Setting(
        "cache_socket_timeout",
        "PORTAL_CACHE_SOCKET_TIMEOUT",
        "0.25",
        _parse_seconds,
        "Seconds to wait for Redis before answering uncached.",
    ),
    Setting(
        "api_max_records",
        "PORTAL_API_MAX_RECORDS",
        "10000",
        _parse_int(1, 1_000_000),
        "Most records one `/api/v1/models/<name>/predict` call may send (413 above).",
    ),
    Setting(
        "api_max_bytes",
        "PORTAL_API_MAX_BYTES",
        "20000000",
        _parse_int(1024),
        "Largest API request body in bytes (413 above).",
    ),
    Setting(
        "celery_broker_url",
        "PORTAL_CELERY_BROKER_URL",
        "",
        _parse_broker_url,
        "Empty: background jobs run in a disk-cache manager. Set to scale out to Celery.",
    ),
    Setting(
        "batch_max_bytes",
        "PORTAL_BATCH_MAX_BYTES",
        "200000000",
        _parse_int(1024),
        "Largest batch-scoring upload in bytes (413 above), enforced by the server while streaming.",
    ),
    Setting(
        "batch_retention_days",
        "PORTAL_BATCH_RETENTION_DAYS",
        "7",
        _parse_int(1, 3650),
        "Days a batch's upload and results are kept for re-download before cleanup removes them.",
    ),
    Setting(
        "drift_thresholds",
        "PORTAL_DRIFT_THRESHOLDS",
        "",
        _parse_drift_thresholds,
        'Per-model drift thresholds as JSON, e.g. `{"churn": {"wasserstein": 0.2, "drift_share": 0.3}}`.',
    ),
    Setting(
        "workers",
        "PORTAL_WORKERS",
        "0",
        _parse_int(0, 64),
        "gunicorn workers. 0 means 2 x cores + 1, capped so each has 512 MiB.",
    ),
    Setting(
        "worker_timeout",
        "PORTAL_WORKER_TIMEOUT",
        "60",
        _parse_int(5, 3600),
        "Seconds before gunicorn restarts a silent worker.",
    ),
    Setting(
        "max_requests",
        "PORTAL_MAX_REQUESTS",
        "2000",
        _parse_int(0),
        "Requests before a worker is recycled (0 never), bounding slow leaks.",
    ),
    Setting(
        "max_requests_jitter",
        "PORTAL_MAX_REQUESTS_JITTER",
        "200",
        _parse_int(0),
        "Random spread on the above, so workers do not recycle together.",
    ),
    Setting(
        "native_threads",
        "PORTAL_NATIVE_THREADS",
        "1",
        _parse_int(1, 256),
        "OpenMP/BLAS threads per worker. More than 1 oversubscribes the cores.",
    ),
    Setting(
        "frame_ancestors",
        "PORTAL_FRAME_ANCESTORS",
        "'self'",
        parse_frame_ancestors,
        "Origins allowed to frame the portal (CSP `frame-ancestors`), space or comma separated: "
        "`'self'`, `'none'` or `https://host[:port]`.",
    ),
    Setting(
        "embed_cross_site",
        "PORTAL_EMBED_CROSS_SITE",
        "false",
        _parse_bool,
        "`true` when framing sites are on another site: the session cookie becomes "
        "`SameSite=None; Secure` (HTTPS only). Otherwise `Lax`.",
    ),
    *AUTH_SETTINGS,
    Setting(
        "reports_file",
        "PORTAL_REPORTS_FILE",
        "",
        _parse_optional_text,
        "YAML file of screenshot report definitions (see Reports). Empty: no reports.",
    ),
    Setting(
        "report_base_url",
        "PORTAL_REPORT_BASE_URL",
        "",
        _parse_base_url,
        "Origin the report renderer opens, and the only one it may load. Empty: `http://HOST:PORT`.",
    ),
    Setting(
        "report_timeout",
        "PORTAL_REPORT_TIMEOUT",
        "90",
        _parse_int(5, 3600),
        "Seconds a report page may take to signal `portalReady` before the try counts as failed.",
    ),
    Setting(
        "report_tries",
        "PORTAL_REPORT_TRIES",
        "3",
        _parse_int(1, 10),
        "Tries per report run (with backoff) before it is recorded as failed and not delivered.",
    ),
    Setting(
        "chromium_path",
        "PORTAL_CHROMIUM_PATH",
        "/usr/bin/chromium",
        _parse_path,
        "The system Chromium the report renderer drives. A browser is never downloaded.",
    ),
    Setting(
        "smtp_host",
        "PORTAL_SMTP_HOST",
        "",
        _parse_optional_text,
        "SMTP server for report email. Empty: email deliveries fail.",
    ),
    Setting("smtp_port", "PORTAL_SMTP_PORT", "587", _parse_int(1, 65535), "SMTP server port."),
    Setting("smtp_user", "PORTAL_SMTP_USER", "", _parse_optional_text, "SMTP login. Empty: no login."),
    Setting("smtp_password", "PORTAL_SMTP_PASSWORD", "", _parse_optional_text, "SMTP password."),
    Setting(
        "smtp_from",
        "PORTAL_SMTP_FROM",
        "portal@localhost",
        _parse_text,
        "Sender address of report email.",
    ),
    Setting(
        "smtp_starttls",
        "PORTAL_SMTP_STARTTLS",
        "true",
        _parse_bool,
        "Upgrade the SMTP connection with STARTTLS (and refuse to send if the server cannot).",
    ),
    Setting(
        "log_level",
        "PORTAL_LOG_LEVEL",
        "info",
        _parse_choice("debug", "info", "warning", "error"),
        "Lowest level logged.",
    ),
    Setting(
        "log_format",
        "PORTAL_LOG_FORMAT",
        "json",
        _parse_choice("json", "text"),
        "`json`: one object per line on stdout, with the request id. `text`: for humans.",
    ),
)


@dataclasses.dataclass(frozen=True)
class Settings:
    """The portal's whole configuration, read once and passed down explicitly."""

    env: str
    debug: bool
    secret_key: str
    title: str
    theme: str
    host: str
    port: int
    data_dir: Path
    model_dir: str
    database_url: str
    cache_url: str
    cache_timeout: int
    cache_socket_timeout: float
    api_max_records: int
    api_max_bytes: int
    celery_broker_url: str
    batch_max_bytes: int
    batch_retention_days: int
    drift_thresholds: dict[str, dict[str, float]]
    workers: int
    worker_timeout: int
    max_requests: int
    max_requests_jitter: int
    native_threads: int
    log_level: str
    log_format: str
    frame_ancestors: tuple[str, ...]
    embed_cross_site: bool
    auth: str
    auth_user_header: str
    auth_groups_header: str
    trusted_proxies: tuple[Any, ...]
    admin_groups: frozenset[str]
    analyst_groups: frozenset[str]
    viewer_groups: frozenset[str]
    oidc_issuer: str
    oidc_client_id: str
    oidc_client_secret: str
    oidc_groups_claim: str
    oidc_scopes: str
    session_hours: float
    cookie_secure: bool
    metrics_token: str
    reports_file: str = ""
    report_base_url: str = ""
    report_timeout: int = 90
    report_tries: int = 3
    chromium_path: Path = Path("/usr/bin/chromium")
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "portal@localhost"
    smtp_starttls: bool = True

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def models_path(self) -> Path:
        return Path(self.model_dir).expanduser() if self.model_dir else self.data_dir / "models"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'portal.db').resolve()}"

    @property
    def report_origin(self) -> str:
        """The portal's own origin for the report renderer; a wildcard bind address means loopback."""
        if self.report_base_url:
            return self.report_base_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed, validated like a fresh load."""
        updated = dataclasses.replace(self, **changes)
        _check_consistency(updated)
        return updated


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Parse settings from ``environ`` (default ``os.environ``), refusing unknown or bad values."""
    environ = os.environ if environ is None else environ
    known = {setting.env for setting in SETTINGS}
    unknown = sorted(
        name
        for name in environ
        if name.startswith(ENV_PREFIX) and name not in known and not name.startswith(RESERVED_PREFIXES)
    )
    if unknown:
        raise ConfigError(
            f"unknown setting {', '.join(unknown)}: check the spelling against the "
            "configuration table in the README"
        )
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env, setting.default)
        try:
            values[setting.field] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.env}={raw!r} is invalid: {exc}") from None
    values.update(overrides)
    settings = Settings(**values)
    _check_consistency(settings)
    return settings


def _check_consistency(settings: Settings) -> None:
    from portal.theme import available_themes

    themes = available_themes()
    if settings.theme not in themes:
        raise ConfigError(
            f"PORTAL_THEME={settings.theme!r} is not a known theme; choose one of {', '.join(themes)}"
        )
    try:
        check_auth_settings(settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not settings.is_production:
        return
    if settings.secret_key == DEFAULT_SECRET_KEY or len(settings.secret_key) < 32:
        raise ConfigError(
            "PORTAL_ENV=production needs PORTAL_SECRET_KEY set to a random value of at least "
            "32 characters, e.g. the output of: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if settings.debug:
        raise ConfigError("PORTAL_ENV=production refuses PORTAL_DEBUG=true: unset PORTAL_DEBUG")


def markdown_table() -> str:
    """The configuration table for the README, from the same declarations the code reads."""
    rows = ["| Variable | Default | Effect |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = f"`{setting.default}`" if setting.default else "(empty)"
        rows.append(f"| `{setting.env}` | {default} | {setting.help} |")
    return "\n".join(rows)
