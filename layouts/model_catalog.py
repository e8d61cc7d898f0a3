"""Models: every registered model, its versions, metrics and input schema, fed by the registry."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from layouts import promotion_history
from layouts.components import download_link, empty_state, loading, page_header, table
from models import catalog, inference
from models.registry import RegistryError
from portal import ids
from portal.security.layout_guard import may_request
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


def _schema_rows(schema: pd.DataFrame) -> list[list[Any]]:
    rows = []
    for item in schema.itertuples(index=False):
        categories = item.categories.split(catalog.CATEGORY_SEPARATOR) if item.categories else []
        if categories:
            allowed = ", ".join(categories[:12])
            if len(categories) > 12:
                allowed += f" (+{len(categories) - 12} more)"
        elif pd.notna(item.minimum):
            allowed = f"{item.minimum} to {item.maximum}"
        else:
            allowed = "any"
        rows.append([item.feature, item.type, "yes" if item.required else "no", allowed])
    return rows


def section_title(title: str, href: str, link_id: str) -> Component:
    """A table heading with its CSV download beside it."""
    return html.Div(
        [
            html.H4(title, className="mb-0 me-auto"),
            download_link("CSV", link_id, href, allowed=may_request("exports.versions_csv")),
        ],
        className="d-flex align-items-center mt-4 mb-2",
    )


def detail(services: Services, name: str) -> Component:
    """Versions (active one marked) with metrics, then the active version's schema."""
    try:
        versions = catalog.versions_frame(services.registry, name)
        if versions.empty:
            return empty_state(f"Model {name!r} has no complete version yet.")
        current = services.registry.get(name)
    except RegistryError as exc:
        return empty_state(f"Model {name!r} cannot be shown.", str(exc))
    metric_columns = [c for c in versions.columns if c.startswith("metric_")]
    version_rows = [
        [
            f"v{row['version']}",
            dbc.Badge("active", color="success") if row["active"] else "",
            row["task"],
            row["target"],
            row["created_utc"],
            _metric_text({c.removeprefix("metric_"): row[c] for c in metric_columns if pd.notna(row[c])}),
            row["sha256"][:12],
        ]
        for row in versions.to_dict("records")
    ]
    quoted = quote(name, safe="")
    return html.Div(
        [
            section_title("Versions", f"/export/models/{quoted}/versions.csv", ids.MODELS_VERSIONS_CSV),
            table(
                ["Version", "", "Task", "Target", "Created (UTC)", "Hold-out metrics", "SHA-256"],
                version_rows,
                table_id=ids.MODELS_VERSIONS,
            ),
            section_title(
                f"Input schema of v{current.version}",
                f"/export/models/{quoted}/schema.csv?version={current.version}",
                ids.MODELS_SCHEMA_CSV,
            ),
            table(
                ["Feature", "Type", "Required", "Allowed values"],
                _schema_rows(catalog.schema_frame(current)),
            ),
            promotion_history.section(services, name),
        ]
    )


def sample_key(services: Services, name: str, row: Any) -> tuple[str, int, int] | None:
    """What the sample prediction of ``row`` shows depends on: model, active version, row number.

    None when the model cannot be used, so its error message is always computed afresh.
    """
    try:
        return name, services.registry.active_version(name), _row_number(row)
    except RegistryError:
        return None


def keyed_sample_prediction(
    services: Services, name: str, row: Any
) -> tuple[Component, tuple[str, int, int] | None]:
    """Predict one reference row with the active version, through the shared inference cache.

    Also returns the :func:`sample_key` the answer was computed from, None for a refusal.
    """
    number = _row_number(row)
    try:
        record = services.registry.get(name)
        result, actual = inference.predict_reference_row(
            services.registry, services.inference_cache, name, number, record.version
        )
    except RegistryError as exc:
        return empty_state(f"Model {name!r} cannot be used.", str(exc)), None
    except IndexError as exc:
        return empty_state(str(exc)), None
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
    return html.Div(parts, className="portal-sample-prediction"), (name, record.version, number)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value.item() if hasattr(value, "item") else value)
