"""Which component controls each URL query parameter, recorded by the callbacks that sync them.

An embed link pins some query values; its layout looks the controls up here to lock them, so
a frame cannot drift away from what its token allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Flask

EXTENSION_KEY = "portal.url_controls"


def record(server: Flask, params: Mapping[str, str]) -> None:
    """Remember ``query parameter -> component id`` for this app (called at start-up)."""
    controls: dict[str, set[str]] = server.extensions.setdefault(EXTENSION_KEY, {})
    for name, component_id in params.items():
        controls.setdefault(name, set()).add(component_id)


def controls_for(server: Flask, names: Iterable[str]) -> set[str]:
    """Ids of the components that set any of the query parameters ``names``."""
    controls: dict[str, set[str]] = server.extensions.get(EXTENSION_KEY, {})
    return {component for name in names for component in controls.get(name, ())}
