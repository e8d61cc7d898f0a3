"""What-if explorer: a form generated from the model's schema, its prediction, why, and what if."""

from __future__ import annotations

import json
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import graph, loading, page_header
from layouts.model_picker import choice_or_message, picker
from models import figures
from models.explain import Explanation
from models.records import find_record, typical_values
from models.registry import ModelVersion
from models.schema import CATEGORICAL, DATETIME, FeatureSpec
from portal import ids
from portal.services import Services

FIELD_PREFIX = "f."


def field(spec: FeatureSpec, value: Any) -> Component:
    """One input, typed by the schema: numbers with their range, categories as a dropdown."""
    component_id = ids.whatif_field(spec.name)
    hint = ""
    if spec.kind == CATEGORICAL and spec.categories is not None:
        control = dcc.Dropdown(
            id=component_id,
            options=[{"label": str(c), "value": c} for c in spec.categories],
            value=value,
            clearable=not spec.required,
        )
    elif spec.kind == DATETIME:
        control = dbc.Input(id=component_id, type="date", value=value, debounce=True)
        hint = f"{str(spec.minimum)[:10]} to {str(spec.maximum)[:10]}" if spec.minimum else ""
    elif spec.kind == CATEGORICAL:
        control = dbc.Input(id=component_id, type="text", value=value, debounce=True)
    else:
        control = dbc.Input(
            id=component_id, type="number", value=value, step=1 if spec.integer else "any", debounce=True
        )
        hint = f"trained on {spec.minimum:g} to {spec.maximum:g}" if spec.minimum is not None else ""
    label = spec.name + ("" if spec.required else " (optional)")
    # Dash writes a pattern id into the page as compact JSON with sorted keys; the label must match it.
    dom_id = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    children = [dbc.Label(label, html_for=dom_id, className="small mb-0"), control]
    if hint:
        children.append(dbc.FormText(hint))
    return dbc.Col(html.Div(children, className="mb-2"), md=3)


def _coerce(spec: FeatureSpec, raw: str) -> Any:
    if spec.kind == "numeric":
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def initial_values(
    services: Services, record: ModelVersion, record_id: str | None, query: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """Start from the record with that id, else typical values; ``f.<feature>`` query values win."""
    values = typical_values(services.registry, record)
    status = "Starting from typical values (medians and most common categories)."
    if record_id:
        found = find_record(services.registry, record, record_id)
        if found is None:
            status = f"No record with id {record_id!r}; starting from typical values."
        else:
            values.update(found)
            status = f"Starting from record {record_id}."
    specs = {s.name: s for s in record.schema}
    for key, raw in query.items():
        name = key.removeprefix(FIELD_PREFIX)
        if key.startswith(FIELD_PREFIX) and name in specs:
            values[name] = _coerce(specs[name], raw) if raw != "" else None
    return values, status


def form(record: ModelVersion, values: dict[str, Any]) -> Component:
    """Every model input as a field, in schema order."""
    return dbc.Row([field(spec, values.get(spec.name)) for spec in record.schema], className="g-2")


def layout(
    services: Services,
    model: str | None = None,
    version: Any = None,
    record: str | None = None,
    sweep: str | None = None,
    **query: Any,
) -> Component:
    """Model and record pickers, the generated form, then prediction, contributions and sensitivity."""
    header = page_header(
        "What-if explorer", "Change any input and see the prediction, why, and what would move it."
    )
    choice, message = choice_or_message(services.registry, header, model, version, "used")
    if choice is None:
        return message
    name, chosen = choice.name, choice.record
    values, status = initial_values(services, chosen, record, query)
    features = chosen.feature_names
    chosen_sweep = (
        sweep if sweep in features else next(iter(chosen.metadata.get("global_importance", {})), features[0])
    )
    id_column = chosen.metadata.get("id_column")
    return html.Div(
        [
            header,
            dbc.Row(
                [
                    *picker(ids.WHATIF_MODEL, ids.WHATIF_VERSION, choice),
                    dbc.Col(
                        [
                            dbc.Label(
                                f"Start from record id ({id_column})"
                                if id_column
                                else "Start from record id",
                                html_for=ids.WHATIF_RECORD,
                            ),
                            dbc.Input(
                                id=ids.WHATIF_RECORD,
                                value=record or "",
                                debounce=True,
                                placeholder="e.g. an id from the overview grid",
                                disabled=not id_column,
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        html.Div(status, id=ids.WHATIF_RECORD_STATUS, className="small text-muted mt-4"), md=4
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Card(dbc.CardBody(html.Div(form(chosen, values), id=ids.WHATIF_FORM)), className="mb-3"),
            html.Div(id=ids.WHATIF_ERRORS),
            loading(html.Div(id=ids.WHATIF_RESULT, className="mb-3")),
            dbc.Row(
                [
                    dbc.Col(graph(ids.WHATIF_CONTRIBUTIONS, name), md=6),
                    dbc.Col(
                        [
                            dcc.Dropdown(
                                id=ids.WHATIF_SENSITIVITY_FEATURE,
                                options=features,
                                value=chosen_sweep,
                                clearable=False,
                                className="mb-2",
                            ),
                            graph(ids.WHATIF_SENSITIVITY, name),
                        ],
                        md=6,
                    ),
                ]
            ),
            dcc.Store(id=ids.WHATIF_RENDERED, data=rendered_key(name, choice.pinned, record)),
            dcc.Store(id=ids.WHATIF_URL_STATE),
        ]
    )


def rendered_key(model: str, version: int | None, record: str | None) -> dict[str, Any]:
    """Which form is on screen, so the rebuild callback can skip the one the layout already drew."""
    return {"model": model, "version": version, "record": record or ""}


def result_card(
    task: str, prediction: Any, probabilities: dict[str, float] | None, version: int
) -> Component:
    """The headline answer: predicted class with its probability, or the predicted value."""
    if probabilities:
        top = max(probabilities.items(), key=lambda kv: kv[1])
        detail = ", ".join(f"{label}: {p:.1%}" for label, p in probabilities.items())
        body = [
            html.Span("Predicted class "),
            html.Strong(str(prediction), className="fs-4"),
            html.Span(f" with probability {top[1]:.1%}"),
            html.Div(f"All classes: {detail}", className="small"),
        ]
    else:
        body = [html.Span("Predicted value "), html.Strong(f"{prediction:,.4g}", className="fs-4")]
    body.append(
        html.Div(
            f"{task} model v{version}; repeated cases come from the cache.", className="small text-muted"
        )
    )
    return dbc.Alert(body, color="info", className="portal-whatif-result mb-0")


def contributions_figure(explanation: Explanation, top: int = 12) -> go.Figure:
    """Waterfall from the average prediction to this one, largest contributions first."""
    ranked = explanation.ranked()
    shown, rest = ranked[:top], ranked[top:]
    labels = [name for name, _ in shown] + (["other features"] if rest else [])
    deltas = [value for _, value in shown] + ([sum(v for _, v in rest)] if rest else [])
    figure = go.Figure(
        go.Waterfall(
            orientation="h",
            y=["average", *labels, "this case"],
            x=[explanation.base_value, *deltas, explanation.value],
            measure=["absolute", *["relative"] * len(deltas), "total"],
        )
    )
    figure.update_layout(
        template=figures.TEMPLATE,
        title={"text": "Why: feature contributions", "x": 0.01},
        height=max(360, 26 * len(labels) + 120),
        margin={"l": 140, "r": 20, "t": 50, "b": 40},
        yaxis={"autorange": "reversed"},
    )
    return figure


def sensitivity_figure(table: Any, feature: str, categorical: bool, current: Any) -> go.Figure:
    """The score as ``feature`` sweeps its range, with the current value marked."""
    figure = go.Figure()
    if categorical:
        figure.add_trace(go.Bar(x=[str(v) for v in table["value"]], y=table["score"], name="score"))
    else:
        figure.add_trace(go.Scatter(x=table["value"], y=table["score"], mode="lines+markers", name="score"))
        if current is not None:
            figure.add_vline(x=current, line_dash="dot")
    figure.update_layout(
        template=figures.TEMPLATE,
        title={"text": f"What if {feature} changes", "x": 0.01},
        height=360,
        xaxis_title=feature,
        yaxis_title="prediction",
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    return figure
