"""Models: every registered model, its versions, metrics and input schema, fed by the registry."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, loading, page_header
from portal import ids
from portal.services import Services


def layout(services: Services, model: str | None = None, **_query: Any) -> Component:
    """A model picker (state kept in ``?model=``) and the detail of the chosen model."""
    names = services.registry.names()
    if not names:
        return html.Div(
            [
                page_header("Models"),
                empty_state(
                    "No model is registered yet.",
                    "Run `portal demo` for the demo models, or `portal models register` for your own.",
                ),
            ]
        )
    selected = model if model in names else names[0]
    return html.Div(
        [
            page_header(
                "Models", "Registered models and versions. The active version serves all pages and the API."
            ),
            dbc.Row(
                dbc.Col(
                    [
                        dbc.Label("Model", html_for=ids.MODELS_SELECT),
                        dcc.Dropdown(
                            id=ids.MODELS_SELECT,
                            options=[{"label": n, "value": n} for n in names],
                            value=selected,
                            clearable=False,
                        ),
                    ],
                    md=4,
                ),
                className="mb-3",
            ),
            loading(html.Div(id=ids.MODELS_DETAIL)),
            dcc.Store(id=ids.MODELS_URL_STATE),
        ]
    )


def _metric_text(metrics: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())


def _schema_rows(record: Any) -> list[list[Any]]:
    rows = []
    for spec in record.schema:
        if spec.categories is not None:
            allowed = ", ".join(str(c) for c in spec.categories[:12])
            if len(spec.categories) > 12:
                allowed += f" (+{len(spec.categories) - 12} more)"
        elif spec.minimum is not None:
            allowed = f"{spec.minimum} to {spec.maximum}"
        else:
            allowed = "any"
        rows.append([spec.name, spec.kind, "yes" if spec.required else "no", allowed])
    return rows


def detail(services: Services, name: str) -> Component:
    """Versions (active one marked) with metrics, then the active version's schema."""
    from layouts.components import table
    from models.registry import RegistryError

    try:
        versions = services.registry.versions(name)
        active = services.registry.active_version(name)
    except RegistryError as exc:
        return empty_state(f"Model {name!r} cannot be shown.", str(exc))
    if not versions:
        return empty_state(f"Model {name!r} has no complete version yet.")
    version_rows = [
        [
            f"v{v.version}",
            dbc.Badge("active", color="success") if v.version == active else "",
            v.task,
            v.target,
            v.created_at,
            _metric_text(v.metrics),
            v.model_sha256[:12],
        ]
        for v in reversed(versions)
    ]
    current = next((v for v in versions if v.version == active), versions[-1])
    return html.Div(
        [
            html.H4("Versions", className="mt-2"),
            table(
                ["Version", "", "Task", "Target", "Created (UTC)", "Hold-out metrics", "SHA-256"],
                version_rows,
                table_id=ids.MODELS_VERSIONS,
            ),
            html.H4(f"Input schema of v{current.version}", className="mt-4"),
            table(["Feature", "Type", "Required", "Allowed values"], _schema_rows(current)),
        ]
    )
