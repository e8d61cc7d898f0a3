"""Which component controls each URL query parameter, recorded by the callbacks that sync them.

An embed link pins some query values; its layout looks the controls up here to lock them, so
a frame cannot drift away from what its token allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def parameters_of(server: Flask, names: Iterable[str]) -> dict[str, str]:
    """Component id -> the query parameter it sets, for the parameters ``names``."""
    controls: dict[str, set[str]] = server.extensions.get(EXTENSION_KEY, {})
    return {component: name for name in names for component in controls.get(name, ())}


def same_value(sent: Any, pinned: str) -> bool:
    """Whether a control's value is the query value ``pinned``, as the URL would spell it.

    Numbers compare as numbers (``0.40`` pins the slider value 0.4), lists as the URL's
    comma-joined text, and an empty control never matches a pinned value.
    """
    if sent is None or sent == "" or sent == []:
        return False
    if isinstance(sent, bool):
        return pinned.strip().lower() == str(sent).lower()
    if isinstance(sent, list):
        return ",".join(str(item) for item in sent) == pinned
    if str(sent) == pinned:
        return True
    try:
        return float(sent) == float(pinned)
    except (TypeError, ValueError, OverflowError):
        return False
