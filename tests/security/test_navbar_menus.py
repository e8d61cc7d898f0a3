"""The navbar groups pages into menus and lists only what the signed-in role may open."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import as_role


def _menus(layout: Any) -> dict[str, list[str]]:
    """Navbar label -> the page paths under it (a top-level link is its own one-path entry)."""
    found: dict[str, list[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if node.get("type") == "DropdownMenu":
                found[props["label"]] = [child["props"]["href"] for child in props["children"]]
                return
            if node.get("type") == "NavLink" and props.get("href"):
                found[props["children"]] = [props["href"]]
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(layout)
    return found


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "viewer",
            {
                "Home": ["/"],
                "Explore": ["/overview"],
                "Monitor": ["/performance", "/drift", "/alerts"],
                "Models": ["/models", "/compare"],
                "Manage": ["/reports"],  # their own subscriptions
            },
        ),
        (
            "analyst",
            {
                "Home": ["/"],
                "Explore": ["/overview", "/what-if"],
                "Monitor": ["/performance", "/drift", "/alerts", "/feedback"],
                "Score": ["/batch", "/batches"],
                "Models": ["/models", "/compare"],
                "Manage": ["/reports"],
            },
        ),
        (
            "admin",
            {
                "Home": ["/"],
                "Explore": ["/overview", "/what-if"],
                "Monitor": ["/performance", "/drift", "/alerts", "/feedback"],
                "Score": ["/batch", "/batches"],
                "Models": ["/models", "/compare"],
                "Manage": ["/reports", "/admin/tokens", "/admin/audit"],
            },
        ),
    ],
)
def test_nav001_menus_hold_only_the_pages_the_role_may_open(header_app, role, expected) -> None:
    client = header_app.server.test_client()
    menus = _menus(client.get("/_dash-layout", **as_role(role)).get_json())
    user_entries = [label for label in menus if label.endswith(f"({role})")]
    for label in user_entries:
        menus.pop(label)
    assert menus == expected
    assert list(menus) == list(expected), "menus in navbar order"
