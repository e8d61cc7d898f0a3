"""The portal's settings, read once from ``PORTAL_*`` environment variables and checked together.

Every setting is declared once, with its default and the operational effect of changing it,
in the module of its area (``core``, ``embedding``, ``auth``, ``reports``, ``scheduler``); ``SETTINGS`` lists
them in the order the README's configuration table shows, and that table is generated from
the same list, so the two cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from portal.config.auth import AUTH_SETTINGS, check_auth_settings
from portal.config.core import DEFAULT_SECRET_KEY, LOGGING_SETTINGS, SERVER_SETTINGS
from portal.config.embedding import EMBED_SETTINGS
from portal.config.reports import REPORT_SETTINGS
from portal.config.scheduler import SCHEDULER_SETTINGS
from portal.config.secrets import file_variable, file_variables, raw_value, scrub
from portal.config.setting import ConfigError, Setting
from portal.config.themes import available_themes
from portal.config.tracing import check_tracing_environment, tracing_exporter, tracing_requested

ENV_PREFIX = "PORTAL_"
# Variables under this prefix belong to the test suite, not to a running portal.
RESERVED_PREFIXES = ("PORTAL_TEST_",)

SETTINGS: tuple[Setting, ...] = (
    *SERVER_SETTINGS,
    *EMBED_SETTINGS,
    *AUTH_SETTINGS,
    *REPORT_SETTINGS,
    *SCHEDULER_SETTINGS,
    *LOGGING_SETTINGS,
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
    predict_batch_wait_ms: int
    predict_batch_rows: int
    shadow_queue_rows: int
    celery_broker_url: str
    batch_max_bytes: int
    batch_retention_days: int
    batch_job_memory_mb: int
    batch_job_minutes: int
    drift_thresholds: dict[str, dict[str, Any]]
    workers: int
    warmup: bool
    worker_timeout: int
    max_requests: int
    max_requests_jitter: int
    native_threads: int
    log_level: str
    log_format: str
    frame_ancestors: tuple[str, ...]
    embed_cross_site: bool
    public_url: str
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
    report_recipient_domains: tuple[str, ...] = ()
    report_retention_days: int = 30
    scheduler: bool = True
    scheduler_grace_minutes: int = 60
    # From the standard OTEL_* variables (portal.config.tracing), not a PORTAL_* setting.
    tracing: bool = False
    tracing_exporter: str = "otlp"

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
    known = {setting.env for setting in SETTINGS} | file_variables(SETTINGS)
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
        raw, source = raw_value(setting, environ)
        try:
            values[setting.field] = setting.parse(raw)
        except ValueError as exc:
            if not setting.secret:
                raise ConfigError(f"{setting.env}={raw!r} is invalid: {exc}") from None
            origin = "" if source == setting.env else f" (read from {source})"
            raise ConfigError(f"{setting.env}{origin} is invalid: {scrub(str(exc), raw)}") from None
    problem = check_tracing_environment(environ)
    if problem is not None:
        raise ConfigError(problem)
    values["tracing"] = tracing_requested(environ)
    values["tracing_exporter"] = tracing_exporter(environ)
    values.update(overrides)
    settings = Settings(**values)
    _check_consistency(settings)
    return settings


def _check_consistency(settings: Settings) -> None:
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
            "PORTAL_ENV=production needs PORTAL_SECRET_KEY (or PORTAL_SECRET_KEY_FILE, a file holding it) "
            "set to a random value of at least 32 characters, e.g. the output of: "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    if settings.debug:
        raise ConfigError("PORTAL_ENV=production refuses PORTAL_DEBUG=true: unset PORTAL_DEBUG")


def markdown_table() -> str:
    """The configuration table for the README, from the same declarations the code reads."""
    rows = ["| Variable | Default | Effect |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = f"`{setting.default}`" if setting.default else "(empty)"
        effect = setting.help
        if setting.secret:
            effect += f" Secret: or `{file_variable(setting)}`, a file holding it."
        rows.append(f"| `{setting.env}` | {default} | {effect} |")
    return "\n".join(rows)
