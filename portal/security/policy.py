"""What every route, page and callback requires: one table each, and no default that lets anyone in.

A route, page or callback missing from these tables is refused to everyone (and the URL-map walk
test fails), so a feature added later cannot be reachable before someone decides who may use it.
"""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from portal.security.roles import Role


class Kind(enum.Enum):
    PUBLIC = "public"  # no sign-in: health probes, sign-in routes, the login page's stylesheet
    ROLE = "role"  # a signed-in role (or an API token) at least this high
    ASSET = "asset"  # Dash's own code and layout shell: any signed-in user or valid embed link
    PAGE = "page"  # an HTML page: its role from PAGE_ROLES, or its embed link
    CALLBACK = "callback"  # a Dash callback: the role of the page that registered it
    METRICS = "metrics"  # the scrape token, or an admin


@dataclasses.dataclass(frozen=True)
class RoutePolicy:
    kind: Kind
    role: Role | None = None
    # API tokens are accepted only where this is true (the REST API).
    tokens: bool = False


PUBLIC = RoutePolicy(Kind.PUBLIC)
ASSET = RoutePolicy(Kind.ASSET, Role.VIEWER)

# Flask endpoint name (fnmatch pattern) -> policy. Order matters only for overlapping patterns.
ROUTE_POLICIES: tuple[tuple[str, RoutePolicy], ...] = (
    ("health.healthz", PUBLIC),
    ("health.readyz", PUBLIC),
    ("vendor.*", PUBLIC),  # theme CSS and icon fonts: the 401/403 and sign-in pages are styled with them
    ("/_favicon.ico", PUBLIC),
    ("auth.*", PUBLIC),  # sign-in, its provider callback and sign-out
    ("metrics.*", RoutePolicy(Kind.METRICS, Role.ADMIN)),
    ("api.api_models.predict", RoutePolicy(Kind.ROLE, Role.ANALYST, tokens=True)),
    ("api.api_models.*", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_openapi.*", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_drift.*", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_quality.*", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_performance.*", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_embed_tokens.*", RoutePolicy(Kind.ROLE, Role.ADMIN, tokens=True)),
    ("api.api_feedback.*", RoutePolicy(Kind.ROLE, Role.ANALYST, tokens=True)),
    # As on the Reports page: everyone their own subscriptions, admins all (portal.api.reports checks).
    ("api.api_reports.*", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_alerts.list_alerts", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_alerts.list_alert_rules", RoutePolicy(Kind.ROLE, Role.VIEWER, tokens=True)),
    ("api.api_alerts.*", RoutePolicy(Kind.ROLE, Role.ANALYST, tokens=True)),  # acknowledge, silence
    ("exports.*", RoutePolicy(Kind.ROLE, Role.ANALYST)),
    ("batch.*", RoutePolicy(Kind.ROLE, Role.ANALYST)),
    # Run downloads: admins any, others their own subscriptions' (checked by portal.reports.routes).
    ("reports.*", RoutePolicy(Kind.ROLE, Role.VIEWER)),
    ("static", ASSET),
    ("_dash_assets.static", ASSET),
    ("/_dash-component-suites/*", ASSET),
    ("/_dash-layout", ASSET),
    ("/_dash-dependencies", ASSET),
    ("/_reload-hash", ASSET),
    ("/_dash-update-component", RoutePolicy(Kind.CALLBACK)),
    ("/", RoutePolicy(Kind.PAGE)),
    ("/<path:path>", RoutePolicy(Kind.PAGE)),
)

# Page path -> the lowest role that may open it (and fire its callbacks).
PAGE_ROLES: dict[str, Role] = {
    "/": Role.VIEWER,
    "/overview": Role.VIEWER,
    "/performance": Role.VIEWER,
    "/drift": Role.VIEWER,
    "/alerts": Role.VIEWER,  # acknowledging, silencing and mute windows need an analyst (callbacks/alerts.py)
    "/compare": Role.VIEWER,  # promoting from it needs an admin (callbacks/compare.py)
    "/feedback": Role.ANALYST,
    "/models": Role.VIEWER,
    "/what-if": Role.ANALYST,
    "/batch": Role.ANALYST,
    "/batches": Role.ANALYST,
    "/reports": Role.VIEWER,  # each sees their own subscriptions; admins see all and the file's
    "/admin/tokens": Role.ADMIN,
    "/admin/audit": Role.ADMIN,
    "/404": Role.VIEWER,
}
# Callbacks of the shell, on every page (the Subscribe dialog), and of widgets several pages mount
# ("Alert me when…" on Drift and live Performance; saving and changing rules is marked analyst):
# module -> role. Never an embed's.
SHELL = "(every page)"
SHELL_CALLBACKS: dict[str, Role] = {
    "callbacks.subscribe": Role.VIEWER,
    "callbacks.alert_rules": Role.VIEWER,
    "callbacks.alert_rule_list": Role.VIEWER,
}
# Paths that are not in PAGE_ROLES (unknown URLs answered with the 404 page) need a viewer.
UNKNOWN_PATH_ROLE = Role.VIEWER


EXTRA_POLICIES_KEY = "portal.route_policies"


def embeddable(paths: Iterable[str]) -> list[str]:
    """Pages an embed link may open: all below the admin role, since a link acts as a viewer of its page."""
    return [path for path in paths if (page_role(path) or Role.ADMIN) < Role.ADMIN]


def declare(server: Any, endpoint: str, policy: RoutePolicy) -> None:
    """Give one route added outside the tables (a plugin, a test) its policy, explicitly."""
    server.extensions.setdefault(EXTRA_POLICIES_KEY, {})[endpoint] = policy


def route_policy(endpoint: str, extra: Mapping[str, RoutePolicy] | None = None) -> RoutePolicy | None:
    """The policy of a Flask endpoint, or None when nobody decided (the gate then refuses)."""
    if extra and endpoint in extra:
        return extra[endpoint]
    return _table_policy(endpoint)


@functools.lru_cache(maxsize=1024)
def _table_policy(endpoint: str) -> RoutePolicy | None:
    """The first matching pattern of the fixed table, remembered: endpoints are few, requests many."""
    for pattern, policy in ROUTE_POLICIES:
        if fnmatch.fnmatchcase(endpoint, pattern):
            return policy
    return None


def page_role(page_path: str) -> Role | None:
    return PAGE_ROLES.get(page_path.rstrip("/") or "/")


@dataclasses.dataclass(frozen=True)
class CallbackPolicy:
    """Who may fire one callback: ``page`` None means Dash's page router (each layout checks itself)."""

    page: str | None
    role: Role


ROUTER_IDS = ("_pages_content", "_pages_store", "_pages_location", "_pages_dummy")
ROLE_ATTRIBUTE = "__portal_role__"


def requires(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a callback (or any action) as needing ``role``, above what its page needs.

    The gate reads the mark before the callback runs (background callbacks included, whose body runs
    in a job process without the request), so one decorator is the only role check a callback needs.
    """

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        setattr(func, ROLE_ATTRIBUTE, role)
        return func

    return mark


def _component_ids(spec: Mapping[str, Any]) -> set[str]:
    ids: set[str] = set()
    for key in ("inputs", "state"):
        for item in spec.get(key) or []:
            ids.add(str(item.get("id")))
    output = str(spec.get("output", ""))
    for part in output.strip(".").split("..."):
        ids.add(part.split("@")[0].rsplit(".", 1)[0].strip("."))
    return ids


def callback_policies(
    callback_map: Mapping[str, Mapping[str, Any]], page_modules: Mapping[str, str]
) -> dict[str, CallbackPolicy | None]:
    """Each server-side callback's policy; None marks one nobody classified (refused, and a test fails).

    A callback belongs to the page whose ``layouts.X`` module matches its ``callbacks.X`` module
    (``page_modules`` maps layout module -> page path). Dash's own helpers (the cancel callback of a
    background job) belong to the page whose components they share; the page router is its own kind.
    """
    policies: dict[str, CallbackPolicy | None] = {}
    pending: dict[str, Mapping[str, Any]] = {}
    for key, spec in callback_map.items():
        func = spec.get("callback")
        if func is None:
            continue  # clientside: runs in the browser, never reaches the server
        if any(router_id in key for router_id in ROUTER_IDS):
            policies[key] = CallbackPolicy(None, Role.VIEWER)
            continue
        module = str(getattr(func, "__module__", ""))
        if module in SHELL_CALLBACKS:
            declared = _declared_role(func)
            role = SHELL_CALLBACKS[module]
            policies[key] = CallbackPolicy(SHELL, max(role, declared) if declared else role)
            continue
        page = (
            page_modules.get("layouts." + module.split(".", 1)[1])
            if module.startswith("callbacks.")
            else None
        )
        if page is None:
            pending[key] = spec
            continue
        policies[key] = _policy_for(page, func)
    owners: dict[str, set[str]] = {}
    for key, policy in policies.items():
        # The shell's callbacks may read a page's controls (the list of alert rules follows the
        # model): they own no component, so a page's helper callbacks still find their one page.
        if policy is not None and policy.page not in (None, SHELL):
            for component in _component_ids(callback_map[key]):
                owners.setdefault(component, set()).add(policy.page)
    for key, spec in pending.items():
        pages: set[str] = set()
        for component in _component_ids(spec):
            pages |= owners.get(component, set())
        policies[key] = _policy_for(pages.pop(), spec["callback"]) if len(pages) == 1 else None
    return policies


def _policy_for(page: str, func: Callable[..., Any]) -> CallbackPolicy | None:
    role = page_role(page)
    if role is None:
        return None
    declared = _declared_role(func)
    return CallbackPolicy(page, max(role, declared) if declared else role)


def _declared_role(func: Any) -> Role | None:
    seen = 0
    while func is not None and seen < 20:
        role = getattr(func, ROLE_ATTRIBUTE, None)
        if role is not None:
            return role
        func = getattr(func, "__wrapped__", None)
        seen += 1
    return None


def unclassified(endpoints: Iterable[str]) -> list[str]:
    return [endpoint for endpoint in endpoints if route_policy(endpoint) is None]
