"""The version dropdown follows the model dropdown: every page with a model picker registers this."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from layouts.model_picker import version_choices
from models.registry import ModelRegistry


def register_version_sync(app: dash.Dash, registry: ModelRegistry, model_id: str, version_id: str) -> None:
    """A new model gets its own versions; a pinned version survives only if that model has it."""

    @app.callback(
        Output(version_id, "options"),
        Output(version_id, "value"),
        Input(model_id, "value"),
        State(version_id, "value"),
        prevent_initial_call=True,
    )
    def switch_versions(name: str, version: int | None) -> tuple[Any, Any]:
        return version_choices(registry, name, version)
