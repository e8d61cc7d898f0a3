"""Report subscriptions made from a page: one page in its URL state, a schedule, deliveries, a condition.

:func:`validate` checks everything a subscriber sends (the dialog and the REST API alike) and
collects every problem as ``field: message`` before anything is stored, so nothing is saved half-way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from portal.reports.cadence import Cadence, CadenceError, check_timezone, parse_cadence
from portal.reports.definitions import FORMATS, PageSpec, ReportDefinition
from portal.reports.fields import EMAIL, NAME, WEBHOOK_STYLES, Delivery
from portal.security.policy import page_role
from portal.security.roles import Role

CONDITIONS = ("alert_open",)
DELIVERY_KINDS = ("email", "webhook", "directory")
MAX_RECIPIENTS = 50
MAX_URL = 2000
MAX_CONTROLS = 30
# The renderer never acts above this role, whoever subscribed.
MAX_RENDER_ROLE = Role.ANALYST


class SubscriptionError(ValueError):
    """Why a subscription was refused: every problem, each naming its field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class Subscriber:
    """Who saves a subscription: their name (an address when they sign in with one) and role."""

    name: str
    role: Role


@dataclasses.dataclass(frozen=True)
class Subscription:
    """A stored, validated subscription; ``origin`` is ``database`` (or ``file`` for a read-only view)."""

    name: str
    title: str
    page: str
    query: dict[str, str]
    format: str
    cadence: Cadence
    timezone: str
    deliveries: tuple[dict[str, Any], ...]
    condition: str | None
    owner: str
    owner_role: Role
    paused: bool = False
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    updated_by: str = ""

    @property
    def schedule(self) -> str:
        return self.cadence.to_cron()

    @property
    def render_role(self) -> Role:
        """The role the renderer acts with: the subscriber's, but never an admin's."""
        return min(self.owner_role, MAX_RENDER_ROLE)

    @property
    def model(self) -> str | None:
        return self.query.get("model") or None

    def page_spec(self) -> PageSpec:
        return PageSpec(self.page, tuple(sorted(self.query.items())))

    def definition(self) -> ReportDefinition:
        """The report the runner renders: this page, rendered as the subscriber's (capped) role."""
        return ReportDefinition(
            self.name,
            self.title,
            (self.page_spec(),),
            format=self.format,
            schedule=self.schedule,
            timezone=self.timezone,
            deliveries=tuple(to_delivery(item) for item in self.deliveries),
            role=self.render_role.label,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "origin": "database",
            "page": self.page,
            "query": dict(self.query),
            "url": self.page_spec().relative_url(),
            "format": self.format,
            "schedule": {**self.cadence.as_json(), "cron": self.schedule},
            "timezone": self.timezone,
            "deliveries": [dict(item) for item in self.deliveries],
            "condition": self.condition,
            "owner": self.owner,
            "role": self.render_role.label,
            "paused": self.paused,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def to_delivery(item: Mapping[str, Any]) -> Delivery:
    """A stored delivery as the runner's :class:`Delivery`."""
    if item["kind"] == "email":
        return Delivery("email", "", tuple(item["to"]))
    if item["kind"] == "webhook":
        return Delivery("webhook", item["url"], style=item.get("style", "json"))
    return Delivery("directory", item["path"])


def slug(title: str) -> str:
    """A report name from its title: lower-case words joined by '-', at most 64 characters."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:64].strip("-")


@dataclasses.dataclass(frozen=True)
class Context:
    """What validation checks against: the pages, names taken, the recipient policy, who is saving."""

    pages: Collection[str]
    taken: Mapping[str, str]  # name -> where it is defined ("the reports file", "a subscription")
    domains: tuple[str, ...]
    subscriber: Subscriber
    editing: Subscription | None = None
    admin_pages: Collection[str] = ()  # never embedded, so never in a report (admin tools, Reports)


def validate(raw: Any, context: Context) -> Subscription:
    """A :class:`Subscription` from the dialog's or the API's fields; SubscriptionError lists all problems."""
    checker = _Checker(context)
    if not isinstance(raw, Mapping):
        raise SubscriptionError([("body", "expected an object with title, page, schedule and deliveries")])
    result = checker.check(raw)
    if checker.problems or result is None:
        raise SubscriptionError(checker.problems or [("body", "not a subscription")])
    return result


class _Checker:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.problems: list[tuple[str, str]] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append((field, message))

    def check(self, raw: Mapping[str, Any]) -> Subscription | None:
        editing = self.context.editing
        title = self.title(raw.get("title"))
        name = editing.name if editing else self.name(raw.get("name"), title)
        page, query = self.page(raw.get("page"), raw.get("query"))
        fmt = raw.get("format", "png")
        if fmt not in FORMATS:
            self.problem("format", f"expected png or pdf, not {fmt!r}")
        cadence, timezone = self.schedule(raw.get("schedule"), raw.get("timezone", "UTC"))
        deliveries = self.deliveries(raw.get("deliveries"))
        condition = raw.get("condition") or None
        if condition is not None and condition not in CONDITIONS:
            self.problem("condition", f"expected nothing or alert_open, not {condition!r}")
        elif condition == "alert_open" and not query.get("model"):
            self.problem("condition", "'only if an alert is open' needs a model chosen on the page")
        paused = raw.get("paused", editing.paused if editing else False)
        if not isinstance(paused, bool):
            self.problem("paused", "expected true or false")
        if self.problems or cadence is None or timezone is None:
            return None
        owner = editing.owner if editing else self.context.subscriber.name
        owner_role = editing.owner_role if editing else self.context.subscriber.role
        return Subscription(
            name,
            title,
            page,
            query,
            str(fmt),
            cadence,
            timezone,
            deliveries,
            condition,
            owner,
            owner_role,
            bool(paused),
            editing.created_at if editing else None,
        )

    def title(self, raw: Any) -> str:
        if not isinstance(raw, str) or not raw.strip() or len(raw.strip()) > 200 or "\n" in raw:
            self.problem("title", "required: one line of 1 to 200 characters")
            return ""
        return raw.strip()

    def name(self, raw: Any, title: str) -> str:
        name = raw if isinstance(raw, str) and raw else slug(title)
        if not title and not raw:
            return ""
        if not NAME.fullmatch(name):
            self.problem(
                "name", "lower-case letters, digits, '-' or '_', up to 64 characters, starting with one"
            )
            return ""
        where = self.context.taken.get(name)
        if where:
            self.problem("name", f"a report named {name!r} already exists in {where}; choose another title")
        return name

    def page(self, raw: Any, raw_query: Any) -> tuple[str, dict[str, str]]:
        if not isinstance(raw, str) or not raw.startswith("/") or raw.startswith("//") or len(raw) > MAX_URL:
            shown = repr(raw)[:80]
            self.problem("page", f"expected a portal page path such as /overview, not {shown}")
            return "", {}
        parts = urlsplit(raw)
        path = parts.path.rstrip("/") or "/"
        query = dict(parse_qsl(parts.query))
        if raw_query is not None:
            if not isinstance(raw_query, Mapping) or not all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in raw_query.values()
            ):
                self.problem("query", "expected a mapping of control: value")
                return path, {}
            query.update({str(k): str(v) for k, v in raw_query.items()})
        query.pop("token", None)
        if len(query) > MAX_CONTROLS or any(len(k) > 100 or len(v) > 500 for k, v in query.items()):
            self.problem(
                "query", f"at most {MAX_CONTROLS} controls, names up to 100 and values up to 500 characters"
            )
            return path, {}
        role = page_role(path)
        if (role is not None and role >= Role.ADMIN) or path in self.context.admin_pages:
            self.problem("page", f"{path} is an admin page; reports never render admin pages")
        elif path not in self.context.pages:
            known = ", ".join(sorted(self.context.pages))
            self.problem("page", f"no portal page at {path!r}; pages that can be subscribed are {known}")
        else:
            needed = role or Role.ADMIN
            subscriber = self.context.subscriber
            if subscriber.role < needed:
                self.problem("page", f"{path} needs the {needed.label} role; you are {subscriber.role.label}")
        return path, query

    def schedule(self, raw: Any, raw_timezone: Any) -> tuple[Cadence | None, str | None]:
        try:
            timezone = check_timezone(raw_timezone)
        except CadenceError as exc:
            self.problem(exc.field, str(exc))
            return None, None
        try:
            return parse_cadence(raw, timezone), timezone
        except CadenceError as exc:
            self.problem(exc.field, str(exc))
            return None, timezone

    def deliveries(self, raw: Any) -> tuple[dict[str, Any], ...]:
        if not isinstance(raw, list) or not raw:
            self.problem("deliveries", "add at least one: email addresses, a webhook, Slack or Teams URL")
            return ()
        found = []
        for index, item in enumerate(raw):
            checked = self.delivery(f"deliveries[{index}]", item)
            if checked is not None:
                found.append(checked)
        return tuple(found)

    def delivery(self, field: str, item: Any) -> dict[str, Any] | None:
        kind = item.get("kind") if isinstance(item, Mapping) else None
        if kind not in DELIVERY_KINDS:
            self.problem(field, f"expected a kind of {', '.join(DELIVERY_KINDS)}, not {kind!r}")
            return None
        subscriber = self.context.subscriber
        if kind == "email":
            return self.email(field, item.get("to"))
        if kind == "directory":
            path = item.get("path")
            if not subscriber.role >= Role.ADMIN:
                self.problem(field, "only admins may deliver to a directory")
                return None
            if not isinstance(path, str) or not path.strip().startswith("/") or len(path) > 1000:
                self.problem(field, "expected an absolute directory path such as /srv/reports")
                return None
            return {"kind": "directory", "path": path.strip()}
        url, style = item.get("url"), item.get("style", "json")
        parts = urlsplit(url.strip()) if isinstance(url, str) and len(url) <= MAX_URL else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            shown = repr(url)[:120]
            self.problem(field, f"{shown}: a webhook must be an http:// or https:// URL the portal can reach")
            return None
        if style not in WEBHOOK_STYLES:
            self.problem(field, f"expected a style of {', '.join(WEBHOOK_STYLES)}, not {style!r}")
            return None
        if subscriber.role < Role.ANALYST:
            self.problem(field, "viewers may subscribe only themselves by email; webhooks need an analyst")
            return None
        return {"kind": "webhook", "url": url.strip(), "style": style}

    def email(self, field: str, raw: Any) -> dict[str, Any] | None:
        addresses = re.split(r"[,;\s]+", raw) if isinstance(raw, str) else raw
        if not isinstance(addresses, list):
            self.problem(field, "expected email addresses separated by commas")
            return None
        addresses = [str(a).strip() for a in addresses if str(a).strip()]
        if not addresses:
            self.problem(field, "expected at least one email address")
            return None
        if len(addresses) > MAX_RECIPIENTS:
            self.problem(field, f"at most {MAX_RECIPIENTS} addresses")
            return None
        subscriber = self.context.subscriber
        ok = True
        for address in addresses:
            domain = address.rpartition("@")[2].lower()
            if len(address) > 254 or not EMAIL.fullmatch(address):
                self.problem(field, f"{address[:80]!r} is not an email address")
            elif self.context.domains and domain not in self.context.domains:
                allowed = ", ".join(self.context.domains)
                self.problem(field, f"{address} is outside the allowed recipient domains ({allowed})")
            elif subscriber.role < Role.ANALYST and address.lower() != subscriber.name.lower():
                self.problem(
                    field,
                    f"{address}: viewers may subscribe only themselves ({subscriber.name}); "
                    "analysts and above may subscribe other people",
                )
            else:
                continue
            ok = False
        return {"kind": "email", "to": addresses} if ok else None
