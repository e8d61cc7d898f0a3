"""Report definitions read from the YAML file named by ``PORTAL_REPORTS_FILE``, validated field by field.

Every mistake is reported as ``report '<name>': <field>: <problem>`` so whoever edits the file can
find it; pages are checked here already, so a definition can never point the renderer elsewhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from portal.config import Settings
from portal.reports.fields import Delivery, FieldChecker, collect, read_file, section

FORMATS = ("png", "pdf")
REPORT_KEYS = {"name", "title", "pages", "viewport", "format", "schedule", "timezone", "deliver"}
MAX_PAGES = 50


@dataclasses.dataclass(frozen=True)
class PageSpec:
    """One portal page of a report: its path and the query values that set its controls."""

    path: str
    query: tuple[tuple[str, str], ...] = ()

    @property
    def query_dict(self) -> dict[str, str]:
        return dict(self.query)

    def relative_url(self) -> str:
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path


@dataclasses.dataclass(frozen=True)
class ReportDefinition:
    """A validated report: what to render, how, when, and where to send it."""

    name: str
    title: str
    pages: tuple[PageSpec, ...]
    viewport: tuple[int, int] = (1280, 900)
    format: str = "png"
    schedule: str | None = None
    timezone: str = "UTC"
    deliveries: tuple[Delivery, ...] = ()
    # The role the renderer's token carries (a subscriber's, never admin); None: a viewer's, as for embeds.
    role: str | None = None


def load_reports(settings: Settings, page_paths: Iterable[str]) -> dict[str, ReportDefinition]:
    """Definitions from ``PORTAL_REPORTS_FILE`` (none when unset); raises DefinitionError.

    ``page_paths`` are the pages a report may render: the portal's own (``Services.pages``).
    """
    if not settings.reports_file:
        return {}
    return load_file(settings.reports_file, settings.report_origin, list(page_paths))


def load_file(
    path: str | Path, origin: str, known_pages: Collection[str] | None = None
) -> dict[str, ReportDefinition]:
    """Read and validate a reports file; :class:`DefinitionError` names every mistake found."""
    return parse(read_file(path), origin, known_pages, source=str(path))


def parse(
    text: str, origin: str, known_pages: Collection[str] | None = None, source: str = "reports file"
) -> dict[str, ReportDefinition]:
    """Validate YAML text; ``origin`` is the portal's own, the only one a page may name."""

    def check(label: str, entry: Any) -> tuple[FieldChecker, ReportDefinition | None]:
        checker = _Checker(label, origin, known_pages)
        return checker, checker.report(entry)

    return collect(section(text, "reports", source), "report", check)


class _Checker(FieldChecker):
    """Validates one report entry, collecting ``report 'x': field: problem`` messages."""

    def __init__(self, label: str, origin: str, known_pages: Collection[str] | None) -> None:
        super().__init__(label)
        self.origin = origin.rstrip("/")
        self.known_pages = known_pages

    def report(self, entry: Any) -> ReportDefinition | None:
        if not isinstance(entry, dict):
            self.problems.append(f"{self.label}: expected a mapping with name, title, pages, ...")
            return None
        for key in sorted(set(entry) - REPORT_KEYS, key=str):
            self.problem(str(key), f"unknown field; expected some of {', '.join(sorted(REPORT_KEYS))}")
        name = self.name(entry.get("name"))
        title = entry.get("title", name)
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            self.problem("title", "expected text of 1 to 200 characters")
            title = name
        pages = self.pages(entry.get("pages"))
        viewport = self.viewport(entry.get("viewport", {}))
        fmt = entry.get("format", "png")
        if fmt not in FORMATS:
            self.problem("format", f"expected png (one image per page) or pdf (one document), not {fmt!r}")
        timezone = self.timezone(entry.get("timezone", "UTC"))
        schedule = self.schedule(entry.get("schedule"), timezone)
        deliveries = self.deliveries(entry.get("deliver", []))
        return ReportDefinition(
            name, title.strip(), pages, viewport, str(fmt), schedule, timezone or "UTC", deliveries
        )

    def pages(self, raw: Any) -> tuple[PageSpec, ...]:
        if not isinstance(raw, list) or not raw:
            self.problem("pages", "required: a list of portal pages such as /overview?model=churn")
            return ()
        if len(raw) > MAX_PAGES:
            self.problem("pages", f"at most {MAX_PAGES} pages per report")
        specs = []
        for index, item in enumerate(raw):
            spec = self.page(f"pages[{index}]", item)
            if spec is not None:
                specs.append(spec)
        return tuple(specs)

    def page(self, field: str, item: Any) -> PageSpec | None:
        extra: Mapping[str, Any] = {}
        if isinstance(item, dict):
            unknown = set(item) - {"path", "query"}
            if unknown:
                self.problem(field, f"unknown keys {sorted(map(str, unknown))}; expected path and query")
                return None
            extra = item.get("query") or {}
            if not isinstance(extra, dict):
                self.problem(f"{field}.query", "expected a mapping of parameter: value")
                return None
            item = item.get("path")
        if not isinstance(item, str) or not item.strip():
            self.problem(field, "expected a page path such as /overview?model=churn")
            return None
        path, query, error = self._split_page(item.strip())
        if error:
            self.problem(field, error)
            return None
        for key, value in extra.items():
            if not isinstance(value, (str, int, float, bool)) or isinstance(value, bool):
                self.problem(f"{field}.query.{key}", "expected a text or number value")
                return None
            query[str(key)] = str(value)
        if "token" in query:
            self.problem(f"{field}.query", "'token' is set by the renderer, not by a definition")
            return None
        return PageSpec(path, tuple(query.items()))

    def _split_page(self, text: str) -> tuple[str, dict[str, str], str]:
        """Path and query of a page entry, or why it is refused (another origin, scheme, unknown page)."""
        if "\\" in text or any(ord(c) < 32 for c in text):
            return "", {}, f"{text!r} is not a page path"
        parts = urlsplit(text)
        if parts.scheme or parts.netloc or text.startswith("//"):
            own = urlsplit(self.origin)
            if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
                return (
                    "",
                    {},
                    (
                        f"{text!r} is not on the portal's own origin {self.origin}; "
                        "reports may only render portal pages (give a path such as /overview?model=churn)"
                    ),
                )
        if parts.fragment:
            return "", {}, "a fragment (#...) is not allowed"
        path = parts.path or "/"
        if not path.startswith("/"):
            return "", {}, f"{text!r} must start with '/'"
        if self.known_pages is not None and path not in self.known_pages:
            known = ", ".join(sorted(self.known_pages))
            return "", {}, f"no portal page at {path!r}; pages are {known}"
        try:
            pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            return "", {}, f"query string {parts.query!r} is malformed"
        return path, dict(pairs), ""

    def viewport(self, raw: Any) -> tuple[int, int]:
        if not isinstance(raw, dict) or set(raw) - {"width", "height"}:
            self.problem("viewport", "expected a mapping with width and height in pixels")
            return (1280, 900)
        width, height = raw.get("width", 1280), raw.get("height", 900)
        for key, value, low, high in (("width", width, 320, 3840), ("height", height, 200, 4320)):
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                self.problem(f"viewport.{key}", f"expected a whole number of pixels from {low} to {high}")
                return (1280, 900)
        return (width, height)
