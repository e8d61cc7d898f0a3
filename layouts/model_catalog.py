"""Models: every registered model, its versions, metrics and input schema, fed by the registry."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, loading, page_header
from portal import ids
from portal.services import Services


def _row_number(raw: Any) -> int:
    try:
        return max(0, int(raw))
    except (TypeError, ValueError):
        return 0


def layout(services: Services, model: str | None = None, row: Any = None, **_query: Any) -> Component:
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
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H5("Try the active version", className="card-title"),
                        dbc.Row(
                            [
                                dbc.Col(
                                    dbc.Label("Reference row", html_for=ids.MODELS_SAMPLE_ROW), width="auto"
                                ),
                                dbc.Col(
                                    dbc.Input(
                                        id=ids.MODELS_SAMPLE_ROW,
                                        type="number",
                                        min=0,
                                        step=1,
                                        value=_row_number(row),
                                        debounce=True,
                                    ),
                                    width=2,
                                ),
                            ],
                            className="g-2 align-items-center mb-2",
                        ),
                        loading(html.Div(id=ids.MODELS_SAMPLE_RESULT)),
                    ]
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


def sample_prediction(services: Services, name: str, row: Any) -> Component:
    """Predict one reference row with the active version, through the shared inference cache."""
    from models import inference
    from models.registry import RegistryError

    try:
        record = services.registry.get(name)
        result, actual = inference.predict_reference_row(
            services.registry, services.inference_cache, name, _row_number(row), record.version
        )
    except RegistryError as exc:
        return empty_state(f"Model {name!r} cannot be used.", str(exc))
    except IndexError as exc:
        return empty_state(str(exc))
    parts: list[Component] = [
        html.Span(f"v{result.version} predicts "),
        html.Strong(_format(result.predictions[0])),
    ]
    if result.probabilities is not None:
        probabilities = ", ".join(
            f"{label}: {p:.1%}" for label, p in zip(result.classes, result.probabilities[0], strict=True)
        )
        parts.append(html.Span(f" (probabilities {probabilities})"))
    parts.append(html.Div(f"Actual {record.target}: {_format(actual)}", className="text-muted small"))
    return html.Div(parts, className="portal-sample-prediction")


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value.item() if hasattr(value, "item") else value)
