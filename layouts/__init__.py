"""The portal's pages, registered explicitly by the app factory in this order."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from dash.development.base_component import Component

from layouts import (
    admin_audit,
    admin_tokens,
    alerts,
    batch,
    batches,
    compare,
    drift,
    feedback,
    home,
    model_catalog,
    not_found,
    overview,
    performance,
    reports,
    whatif,
)
from portal.pages import PageEntry, PageIndex
from portal.services import Services, current_services

PageLayout = Callable[..., Component]


@dataclasses.dataclass(frozen=True)
class Page:
    """A navigable page: where it lives, what the navbar calls it, and how to draw it."""

    module: str
    path: str
    name: str
    title: str
    order: int
    layout: Callable[..., Component]
    # The navbar menu it is listed under (portal.pages.NAV_GROUPS); "" for a top-level link.
    group: str = ""

    def render(self, **query: Any) -> Component:
        """Draw the page for the app serving this request, with URL query values as arguments."""
        services: Services = current_services()
        return self.layout(services, **query)


PAGES: tuple[Page, ...] = (
    Page("layouts.home", "/", "Home", "Home", 0, home.layout),
    Page("layouts.overview", "/overview", "Overview", "Overview", 10, overview.layout, "Explore"),
    Page("layouts.whatif", "/what-if", "What-if", "What-if explorer", 20, whatif.layout, "Explore"),
    Page(
        "layouts.performance",
        "/performance",
        "Performance",
        "Model performance",
        30,
        performance.layout,
        "Monitor",
    ),
    Page("layouts.drift", "/drift", "Drift", "Drift monitoring", 35, drift.layout, "Monitor"),
    Page("layouts.alerts", "/alerts", "Alerts", "Alerts", 37, alerts.layout, "Monitor"),
    Page("layouts.batch", "/batch", "Batch", "Batch scoring", 40, batch.layout, "Score"),
    Page("layouts.batches", "/batches", "Batches", "Past batches", 45, batches.layout, "Score"),
    Page("layouts.feedback", "/feedback", "Feedback", "Feedback", 50, feedback.layout, "Monitor"),
    Page("layouts.model_catalog", "/models", "Models", "Models", 90, model_catalog.layout, "Models"),
    Page("layouts.compare", "/compare", "Compare", "Model comparison", 92, compare.layout, "Models"),
)

# Pages never embedded nor put in a report (no /embed copy, no embed links): admin tools, and the
# Reports page, whose role is in portal.security.policy.PAGE_ROLES like every other page's.
ADMIN_PAGES: tuple[Page, ...] = (
    Page("layouts.reports", "/reports", "Reports", "Reports", 95, reports.layout, "Manage"),
    Page(
        "layouts.admin_tokens",
        "/admin/tokens",
        "API tokens",
        "API tokens",
        900,
        admin_tokens.layout,
        "Manage",
    ),
    Page("layouts.admin_audit", "/admin/audit", "Audit log", "Audit log", 910, admin_audit.layout, "Manage"),
)


def page_index() -> PageIndex:
    """The pages as plain data, for the services and the CLI: nothing below the pages imports them."""
    return PageIndex.of(
        [PageEntry(page.module, page.path, page.name, page.order, group=page.group) for page in PAGES]
        + [
            PageEntry(page.module, page.path, page.name, page.order, admin=True, group=page.group)
            for page in ADMIN_PAGES
        ]
    )


__all__ = ["ADMIN_PAGES", "PAGES", "Page", "not_found", "page_index"]
