"""Check a Dash callback request's ``outputs`` against the outputs its callback declares.

Dash shapes its answer from ``outputs`` and checks it against the declaration only inside the
dispatcher, where a missing key or a foreign id ends as a 500. The browser sends exactly what the
renderer derives from the callback's own ``output`` string: one ``{"id", "property"}`` per declared
output (a list of them for an ``ALL`` pattern, with concrete ids in place of the wildcards), in a list
when the callback has several outputs. Anything else is refused here with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash.dependencies import ALL, ALLSMALLER, DashDependency, Wildcard

_RELOAD = "; reload the page"
# JSON values a pattern-matching id may hold; the renderer allows no others
_ID_VALUE_TYPES = (str, int, float, bool)
_MULTI = (ALL, ALLSMALLER)


def outputs_mismatch(entry: Mapping[str, Any], body: Mapping[str, Any]) -> str | None:
    """What is wrong with the body's ``outputs`` for the registered callback ``entry``, or None."""
    if entry.get("no_output"):
        return None  # Dash ignores outputs for a callback that has none
    if "outputs" not in body:
        return "the callback request names no outputs" + _RELOAD
    declared = entry["output"]
    sent = body["outputs"]
    if isinstance(declared, list | tuple):
        if not isinstance(sent, list):
            return f"the callback request's outputs must be a list of {len(declared)} outputs"
        if len(sent) != len(declared):
            return (
                f"the callback request names {len(sent)} outputs where the callback produces "
                f"{len(declared)}" + _RELOAD
            )
        pairs = list(zip(declared, sent, strict=True))
    else:
        pairs = [(declared, sent)]
    for dependency, spec in pairs:
        problem = _spec_mismatch(dependency, spec)
        if problem is not None:
            return problem
    return None


def _spec_mismatch(dependency: DashDependency, spec: Any) -> str | None:
    """One declared output against what the body sent for it (a list of components for ``ALL``)."""
    label = _label(dependency)
    if _multi_valued(dependency):
        if not isinstance(spec, list):
            return f"the callback request's output {label} must be a list of components"
        items = spec
    else:
        if not isinstance(spec, dict):
            return f"the callback request's output {label} must be one object with an id and a property"
        items = [spec]
    for item in items:
        if not isinstance(item, dict) or "id" not in item or "property" not in item:
            return f"the callback request's output {label} must name an id and a property for each component"
        prop = item["property"]
        if not isinstance(prop, str) or prop.split("@")[0] != dependency.component_property:
            return (
                f"the callback request's output names another property where the callback produces {label}"
                + _RELOAD
            )
        problem = _id_mismatch(dependency.component_id, item["id"], label)
        if problem is not None:
            return problem
    return None


def _id_mismatch(declared: Any, sent: Any, label: str) -> str | None:
    """A string id must be the declared one; a pattern id the declared keys, concrete where wildcards are."""
    wrong = f"the callback request's output names a component other than {label}" + _RELOAD
    if not isinstance(declared, dict):
        return None if isinstance(sent, str) and sent == declared else wrong
    if not isinstance(sent, dict):
        return wrong
    if set(sent) != set(declared):
        return wrong
    for key, expected in declared.items():
        value = sent[key]
        if not isinstance(value, _ID_VALUE_TYPES):
            return f"the callback request's output {label} has an id value that is not text or a number"
        if not isinstance(expected, Wildcard) and value != expected:
            return wrong
    return None


def _multi_valued(dependency: DashDependency) -> bool:
    """An ``ALL`` pattern output: the browser sends a list, one entry per matching component."""
    component_id = dependency.component_id
    return isinstance(component_id, dict) and any(value in _MULTI for value in component_id.values())


def _label(dependency: DashDependency) -> str:
    """The declared output as a person reads it: ``id.property`` or ``{key: value, ...}.property``."""
    component_id = dependency.component_id
    if isinstance(component_id, dict):
        inner = ", ".join(f"{key}: {component_id[key]}" for key in sorted(component_id))
        return "{" + inner + "}." + dependency.component_property
    return f"{component_id}.{dependency.component_property}"
