"""The model and optional version selector every analysis page starts with.

Pages pick a model by name; the version is optional and means "the active one" when empty, so a
shared URL keeps following promotions unless it pins ``version=N``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from layouts.components import empty_state, labelled_dropdown
from models.registry import ModelRegistry, ModelVersion, RegistryError


def parse_version(raw: Any) -> int | None:
    """A version number from a query value such as ``3`` or ``v3``; None when absent or malformed."""
    if isinstance(raw, bool):
        return None
    try:
        value = int(str(raw).strip().lower().removeprefix("v"))
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


@dataclasses.dataclass(frozen=True)
class ModelChoice:
    """What the page shows: the chosen model, the version record, and whether it was pinned."""

    names: list[str]
    record: ModelVersion
    pinned: int | None
    versions: list[ModelVersion]
    active: int

    @property
    def name(self) -> str:
        return self.record.name


def resolve(registry: ModelRegistry, model: Any, version: Any) -> ModelChoice | None:
    """The model named in the query (else the first), at the pinned version when it exists.

    Returns None when no model is registered; raises RegistryError when the model cannot be read.
    """
    names = registry.names()
    if not names:
        return None
    name = model if model in names else names[0]
    versions = registry.versions(name)
    requested = parse_version(version)
    pinned = requested if requested in {v.version for v in versions} else None
    record = registry.get(name, pinned)
    return ModelChoice(names, record, pinned, versions, registry.active_version(name))


def choice_or_message(
    registry: ModelRegistry, header: Component, model: Any, version: Any, verb: str = "shown"
) -> tuple[ModelChoice | None, Component | None]:
    """The page's model choice, or the page to show instead: no model yet, or one that cannot be read."""
    try:
        choice = resolve(registry, model, version)
    except RegistryError as exc:
        return None, html.Div([header, empty_state(f"Model {model!r} cannot be {verb}.", str(exc))])
    if choice is None:
        return None, html.Div([header, empty_state("No model is registered yet.", "Run `portal demo`.")])
    return choice, None


def version_options(versions: list[ModelVersion], active: int) -> list[dict[str, Any]]:
    """Newest first, the active one marked; an empty choice means 'follow the active version'."""
    return [
        {"label": f"v{v.version}" + (" (active)" if v.version == active else ""), "value": v.version}
        for v in reversed(versions)
    ]


def version_choices(registry: ModelRegistry, name: str, current: Any) -> tuple[list[dict[str, Any]], Any]:
    """Options for a newly picked model, keeping the pinned version only if that model has it."""
    try:
        versions = registry.versions(name)
        active = registry.active_version(name)
    except RegistryError:
        return [], None
    numbers = {v.version for v in versions}
    return version_options(versions, active), current if current in numbers else None


def known_version(registry: ModelRegistry, name: str, version: Any) -> int | None:
    """The version if this model has it, else None (active): right after a model switch the
    version dropdown still holds the previous model's value for one round trip."""
    number = parse_version(version)
    if number is None:
        return None
    try:
        return number if number in {v.version for v in registry.versions(name)} else None
    except RegistryError:
        return None


def picker(model_id: str, version_id: str, choice: ModelChoice) -> list[Component]:
    """Two columns: the model dropdown and the clearable version dropdown."""
    models = [{"label": n, "value": n} for n in choice.names]
    return [
        dbc.Col(labelled_dropdown(model_id, "Model", models, choice.name), md=3),
        dbc.Col(
            labelled_dropdown(
                version_id,
                "Version",
                version_options(choice.versions, choice.active),
                choice.pinned,
                clearable=True,
                placeholder=f"active (v{choice.active})",
            ),
            md=2,
        ),
    ]


def segment_options(record: Any) -> list[str]:
    """Categorical features with a known category list: the ones worth grouping errors by."""
    return [s.name for s in record.schema if s.kind == "categorical" and s.categories is not None]
