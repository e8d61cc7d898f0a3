"""Bodies of Dash callback requests, as the browser sends them, for tests that call callbacks directly."""

from __future__ import annotations

from typing import Any


def outputs_of(key: str) -> list[dict[str, str]] | dict[str, str]:
    """Dash's ``outputs`` for a callback key: ``..a.children...b.figure..`` (several) or ``a.children``."""

    def one(text: str) -> dict[str, str]:
        component, prop = text.rsplit(".", 1)
        return {"id": component, "property": prop}

    return [one(text) for text in key.strip(".").split("...")] if key.startswith("..") else one(key)


def router_request(pathname: str, search: str = "") -> dict[str, Any]:
    """Dash's page-router callback: the layout of ``pathname`` with ``search``."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": outputs_of(".._pages_content.children..._pages_store.data.."),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


OVERVIEW_SUMMARY_KEY = "..overview-kpis.children...overview-distribution.figure...overview-over-time.figure.."


def overview_summary_request(model: str = "churn") -> dict[str, Any]:
    """The Overview's KPI cards and charts for ``model``'s active version."""
    return {
        "output": OVERVIEW_SUMMARY_KEY,
        "outputs": outputs_of(OVERVIEW_SUMMARY_KEY),
        "inputs": [
            {"id": "overview-model", "property": "value", "value": model},
            {"id": "overview-version", "property": "value", "value": None},
        ],
        "state": [],
        "changedPropIds": ["overview-model.value"],
    }
