"""The screenshot-report settings: definitions file, renderer, retries and SMTP delivery."""

from __future__ import annotations

from portal.config.setting import Setting
from portal.config.values import (
    parse_base_url,
    parse_bool,
    parse_domains,
    parse_int,
    parse_optional_text,
    parse_path,
    parse_text,
)

REPORT_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "reports_file",
        "PORTAL_REPORTS_FILE",
        "",
        parse_optional_text,
        "YAML file of screenshot report definitions and alert rules (see Reports, Alerts). Empty: none.",
    ),
    Setting(
        "report_base_url",
        "PORTAL_REPORT_BASE_URL",
        "",
        parse_base_url,
        "Origin the report renderer opens, and the only one it may load. Empty: `http://HOST:PORT`.",
    ),
    Setting(
        "report_timeout",
        "PORTAL_REPORT_TIMEOUT",
        "90",
        parse_int(5, 3600),
        "Seconds a report page may take to signal `portalReady` before the try counts as failed.",
    ),
    Setting(
        "report_tries",
        "PORTAL_REPORT_TRIES",
        "3",
        parse_int(1, 10),
        "Tries per report run (with backoff) before it is recorded as failed and not delivered.",
    ),
    Setting(
        "chromium_path",
        "PORTAL_CHROMIUM_PATH",
        "/usr/bin/chromium",
        parse_path,
        "The system Chromium the report renderer drives. A browser is never downloaded.",
    ),
    Setting(
        "smtp_host",
        "PORTAL_SMTP_HOST",
        "",
        parse_optional_text,
        "SMTP server for report email. Empty: email deliveries fail.",
    ),
    Setting("smtp_port", "PORTAL_SMTP_PORT", "587", parse_int(1, 65535), "SMTP server port."),
    Setting("smtp_user", "PORTAL_SMTP_USER", "", parse_optional_text, "SMTP login. Empty: no login."),
    Setting("smtp_password", "PORTAL_SMTP_PASSWORD", "", parse_optional_text, "SMTP password.", secret=True),
    Setting(
        "smtp_from",
        "PORTAL_SMTP_FROM",
        "portal@localhost",
        parse_text,
        "Sender address of report email.",
    ),
    Setting(
        "smtp_starttls",
        "PORTAL_SMTP_STARTTLS",
        "true",
        parse_bool,
        "Upgrade the SMTP connection with STARTTLS (and refuse to send if the server cannot).",
    ),
    Setting(
        "report_recipient_domains",
        "PORTAL_REPORT_RECIPIENT_DOMAINS",
        "",
        parse_domains,
        "Comma-separated mail domains a subscription may send to (e.g. `example.com`); an address "
        "elsewhere is refused by name. Empty: any domain.",
    ),
    Setting(
        "report_retention_days",
        "PORTAL_REPORT_RETENTION_DAYS",
        "30",
        parse_int(1, 36500),
        "Days a report run's output files are kept; the scheduler removes older ones (the run stays "
        "in the history, marked as expired).",
    ),
)
