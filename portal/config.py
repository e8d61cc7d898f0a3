"""Typed settings read once from ``PORTAL_*`` environment variables.

Every setting is declared in ``SETTINGS`` with its default and the operational effect of
changing it; the README's configuration table is generated from the same list, so the two
cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from portal.config_values import (
    parse_bool,
    parse_broker_url,
    parse_cache_url,
    parse_choice,
    parse_choice_lower,
    parse_database_url,
    parse_drift_thresholds,
    parse_host,
    parse_int,
    parse_optional_text,
    parse_path,
    parse_seconds,
    parse_text,
)
from portal.framing import parse_frame_ancestors

ENV_PREFIX = "PORTAL_"
# Variables under this prefix belong to the test suite, not to a running portal.
RESERVED_PREFIXES = ("PORTAL_TEST_",)
DEFAULT_SECRET_KEY = "dev-only-not-secret"


class ConfigError(Exception):
    """A configuration mistake; the message names the variable and what to set."""


@dataclasses.dataclass(frozen=True)
class Setting:
    """One configurable value: where it is read from and why it matters."""

    field: str
    env: str
    default: str
    parse: Callable[[str], Any]
    help: str


from portal.report_settings import REPORT_SETTINGS  # noqa: E402
from portal.security.settings import AUTH_SETTINGS, check_auth_settings  # noqa: E402

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "env",
        "PORTAL_ENV",
        "development",
        parse_choice("development", "production"),
        "`production` refuses the default secret key and debug mode.",
    ),
    Setting(
        "debug",
        "PORTAL_DEBUG",
        "false",
        parse_bool,
        "Dash dev tools and tracebacks in the browser. Never in production.",
    ),
    Setting(
        "secret_key",
        "PORTAL_SECRET_KEY",
        DEFAULT_SECRET_KEY,
        parse_text,
        "Signs sessions and embed tokens. Set a long random value in production.",
    ),
    Setting(
        "title",
        "PORTAL_TITLE",
        "Analytics Portal",
        parse_text,
        "Name shown in the navbar and the browser tab.",
    ),
    Setting(
        "theme",
        "PORTAL_THEME",
        "flatly",
        parse_choice_lower,
        "Bootswatch theme served locally, e.g. `bootstrap`, `flatly`, `cosmo`, `darkly`.",
    ),
    Setting(
        "host",
        "HOST",
        "127.0.0.1",
        parse_host,
        "Address gunicorn binds to. Use `0.0.0.0` behind a proxy or in a container.",
    ),
    Setting("port", "PORT", "8050", parse_int(1, 65535), "Port gunicorn listens on."),
    Setting(
        "data_dir",
        "PORTAL_DATA_DIR",
        "var",
        parse_path,
        "Root for the default SQLite file, file cache and job store.",
    ),
    Setting(
        "model_dir",
        "PORTAL_MODEL_DIR",
        "",
        parse_optional_text,
        "Model registry root (`<name>/<version>/`). Empty means `<data dir>/models`.",
    ),
    Setting(
        "database_url",
        "PORTAL_DATABASE_URL",
        "",
        parse_database_url,
        "SQLAlchemy URL of the portal database. Empty means SQLite in the data dir.",
    ),
    Setting(
        "cache_url",
        "PORTAL_CACHE_URL",
        "",
        parse_cache_url,
        "Empty: a filesystem cache shared by all workers. `redis://...`: Redis.",
    ),
    Setting(
        "cache_timeout",
        "PORTAL_CACHE_TIMEOUT",
        "86400",
        parse_int(1),
        "Seconds a cached prediction or figure lives. Keys include the model version.",
    ),
    Setting(
        "cache_socket_timeout",
        "PORTAL_CACHE_SOCKET_TIMEOUT",
        "0.25",
        parse_seconds,
        "Seconds to wait for Redis before answering uncached.",
    ),
    Setting(
        "api_max_records",
        "PORTAL_API_MAX_RECORDS",
        "10000",
        parse_int(1, 1_000_000),
        "Most records one `/api/v1/models/<name>/predict` call may send (413 above).",
    ),
    Setting(
        "api_max_bytes",
        "PORTAL_API_MAX_BYTES",
        "20000000",
        parse_int(1024),
        "Largest API request body in bytes (413 above).",
    ),
    Setting(
        "celery_broker_url",
        "PORTAL_CELERY_BROKER_URL",
        "",
        parse_broker_url,
        "Empty: background jobs run in a disk-cache manager. Set to scale out to Celery.",
    ),
    Setting(
        "batch_max_bytes",
        "PORTAL_BATCH_MAX_BYTES",
        "200000000",
        parse_int(1024),
        "Largest batch-scoring upload in bytes (413 above), enforced by the server while streaming.",
    ),
    Setting(
        "batch_retention_days",
        "PORTAL_BATCH_RETENTION_DAYS",
        "7",
        parse_int(1, 3650),
        "Days a batch's upload and results are kept for re-download before cleanup removes them.",
    ),
    Setting(
        "drift_thresholds",
        "PORTAL_DRIFT_THRESHOLDS",
        "",
        parse_drift_thresholds,
        'Per-model drift thresholds as JSON, e.g. `{"churn": {"wasserstein": 0.2, "drift_share": 0.3}}`.',
    ),
    Setting(
        "workers",
        "PORTAL_WORKERS",
        "0",
        parse_int(0, 64),
        "gunicorn workers. 0 means 2 x cores + 1, capped so each has 512 MiB.",
    ),
    Setting(
        "worker_timeout",
        "PORTAL_WORKER_TIMEOUT",
        "60",
        parse_int(5, 3600),
        "Seconds before gunicorn restarts a silent worker.",
    ),
    Setting(
        "max_requests",
        "PORTAL_MAX_REQUESTS",
        "2000",
        parse_int(0),
        "Requests before a worker is recycled (0 never), bounding slow leaks.",
    ),
    Setting(
        "max_requests_jitter",
        "PORTAL_MAX_REQUESTS_JITTER",
        "200",
        parse_int(0),
        "Random spread on the above, so workers do not recycle together.",
    ),
    Setting(
        "native_threads",
        "PORTAL_NATIVE_THREADS",
        "1",
        parse_int(1, 256),
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
        parse_bool,
        "`true` when framing sites are on another site: the session cookie becomes "
        "`SameSite=None; Secure` (HTTPS only). Otherwise `Lax`.",
    ),
    *AUTH_SETTINGS,
    *REPORT_SETTINGS,
    Setting(
        "log_level",
        "PORTAL_LOG_LEVEL",
        "info",
        parse_choice("debug", "info", "warning", "error"),
        "Lowest level logged.",
    ),
    Setting(
        "log_format",
        "PORTAL_LOG_FORMAT",
        "json",
        parse_choice("json", "text"),
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
