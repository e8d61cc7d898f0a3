"""Sign-in settings (mode, proxy headers, groups, OIDC, sessions) and the combinations refused at start-up."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from portal.config.setting import Setting
from portal.config.values import parse_bool, parse_choice, parse_optional_text

if TYPE_CHECKING:
    from portal.config.settings import Settings

AUTH_MODES = ("none", "header", "oidc")
LOOPBACK_HOSTS = {"localhost"}
_HEADER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")


def parse_header_name(raw: str) -> str:
    value = raw.strip()
    if not _HEADER_NAME.fullmatch(value):
        raise ValueError("expected an HTTP header name such as X-Forwarded-User")
    return value


_CLAIM_NAME = re.compile(r"[A-Za-z0-9_:./-]{1,200}")


def parse_claim_name(raw: str) -> str:
    value = raw.strip()
    if not _CLAIM_NAME.fullmatch(value):
        raise ValueError("expected a claim name such as groups or https://example.com/claims/groups")
    return value


def parse_cidrs(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``10.0.0.0/8, 127.0.0.1`` -> networks; a bare address means that one host."""
    networks = []
    for item in re.split(r"[\s,]+", raw.strip()):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR such as 10.0.0.0/8") from None
    return tuple(networks)


def parse_groups(raw: str) -> frozenset[str]:
    """Comma-separated group names; ``*`` means every signed-in user."""
    return frozenset(item.strip() for item in raw.split(",") if item.strip())


def parse_issuer(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("expected the provider's issuer URL, e.g. https://sso.example.com/realms/corp")
    return value


def parse_hours(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of hours") from None
    if not 0 < value <= 24 * 30:
        raise ValueError("expected hours between 0 and 720")
    return value


AUTH_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "auth",
        "PORTAL_AUTH",
        "none",
        parse_choice(*AUTH_MODES),
        "`none`: everyone is an anonymous admin (development, or production bound to loopback only). "
        "`header`: a trusted proxy names the user. `oidc`: OpenID Connect sign-in.",
    ),
    Setting(
        "auth_user_header",
        "PORTAL_AUTH_USER_HEADER",
        "X-Forwarded-User",
        parse_header_name,
        "Header mode: the header carrying the user name.",
    ),
    Setting(
        "auth_groups_header",
        "PORTAL_AUTH_GROUPS_HEADER",
        "X-Forwarded-Groups",
        parse_header_name,
        "Header mode: the header carrying the user's groups, comma separated.",
    ),
    Setting(
        "trusted_proxies",
        "PORTAL_TRUSTED_PROXIES",
        "",
        parse_cidrs,
        "CIDRs of the proxies whose user headers and `X-Forwarded-Proto` are believed (socket peer "
        "address). User headers from any other address are ignored and logged.",
    ),
    Setting(
        "admin_groups",
        "PORTAL_ADMIN_GROUPS",
        "",
        parse_groups,
        "Groups whose members are admins (comma separated; `*` = every signed-in user).",
    ),
    Setting(
        "analyst_groups",
        "PORTAL_ANALYST_GROUPS",
        "",
        parse_groups,
        "Groups whose members are analysts.",
    ),
    Setting(
        "viewer_groups",
        "PORTAL_VIEWER_GROUPS",
        "",
        parse_groups,
        "Groups whose members are viewers. A signed-in user in no listed group gets 403.",
    ),
    Setting(
        "oidc_issuer",
        "PORTAL_OIDC_ISSUER",
        "",
        parse_issuer,
        "OIDC mode: the issuer URL; endpoints come from its discovery document.",
    ),
    Setting("oidc_client_id", "PORTAL_OIDC_CLIENT_ID", "", parse_optional_text, "OIDC mode: client id."),
    Setting(
        "oidc_client_secret",
        "PORTAL_OIDC_CLIENT_SECRET",
        "",
        parse_optional_text,
        "OIDC mode: client secret (empty for a public client; PKCE is always used).",
        secret=True,
    ),
    Setting(
        "oidc_groups_claim",
        "PORTAL_OIDC_GROUPS_CLAIM",
        "groups",
        parse_claim_name,
        "OIDC mode: the ID token / userinfo claim listing the user's groups.",
    ),
    Setting(
        "oidc_scopes",
        "PORTAL_OIDC_SCOPES",
        "openid profile email",
        parse_optional_text,
        "OIDC mode: scopes requested at sign-in.",
    ),
    Setting(
        "session_hours",
        "PORTAL_SESSION_HOURS",
        "8",
        parse_hours,
        "Hours a sign-in lasts before the user must sign in again.",
    ),
    Setting(
        "cookie_secure",
        "PORTAL_COOKIE_SECURE",
        "false",
        parse_bool,
        "`true` marks the session cookie `Secure` always; it is `Secure` anyway on HTTPS requests.",
    ),
    Setting(
        "metrics_token",
        "PORTAL_METRICS_TOKEN",
        "",
        parse_optional_text,
        "Bearer token a Prometheus scraper sends to `/metrics`. Empty: only signed-in admins may read it.",
        secret=True,
    ),
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (the bind address) is reachable only from this machine."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_auth_settings(settings: Settings) -> None:
    """Refuse combinations that would leave the portal open or unable to sign anyone in."""
    if settings.auth == "none" and settings.is_production and not is_loopback(settings.host):
        raise ValueError(
            f"PORTAL_AUTH=none makes everyone an admin, so PORTAL_ENV=production refuses it while HOST="
            f"{settings.host} is reachable from other machines: set PORTAL_AUTH=header or oidc, "
            "or bind HOST=127.0.0.1"
        )
    if settings.auth == "header" and not settings.trusted_proxies:
        raise ValueError(
            "PORTAL_AUTH=header needs PORTAL_TRUSTED_PROXIES, the CIDRs of the proxy that sets the user "
            "headers, e.g. 10.0.0.5/32"
        )
    if settings.auth == "oidc" and not (settings.oidc_issuer and settings.oidc_client_id):
        raise ValueError("PORTAL_AUTH=oidc needs PORTAL_OIDC_ISSUER and PORTAL_OIDC_CLIENT_ID")
    if settings.auth != "none" and not (
        settings.admin_groups or settings.analyst_groups or settings.viewer_groups
    ):
        raise ValueError(
            f"PORTAL_AUTH={settings.auth} needs at least one of PORTAL_ADMIN_GROUPS, PORTAL_ANALYST_GROUPS "
            "or PORTAL_VIEWER_GROUPS, or nobody could use the portal"
        )


def describe(settings: Settings) -> dict[str, Any]:
    """What the log says about sign-in at start-up (never the secrets)."""
    return {"auth": settings.auth, "trusted_proxies": [str(n) for n in settings.trusted_proxies]}
