"""Feedback page: recent logged predictions with their feedback, a form to give it, and file upload."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, labelled_dropdown, page_header, server_side_grid, table
from portal import ids
from portal.feedback.store import FeedbackProblem
from portal.services import Services

MAX_UPLOAD_BYTES = 20_000_000
SHOWN_PROBLEMS = 50
COLUMNS = [
    {"field": "created_at", "headerName": "Time (UTC)", "filter": "agTextColumnFilter", "sort": "desc"},
    {"field": "prediction_id", "headerName": "Prediction id", "filter": "agTextColumnFilter"},
    {"field": "model_version", "headerName": "Version", "filter": "agNumberColumnFilter", "maxWidth": 110},
    {"field": "source", "headerName": "Source", "filter": "agTextColumnFilter", "maxWidth": 110},
    {"field": "prediction", "headerName": "Prediction", "filter": "agTextColumnFilter"},
    {"field": "verdict", "headerName": "Feedback", "filter": "agTextColumnFilter"},
    {"field": "outcome", "headerName": "True outcome", "filter": "agTextColumnFilter"},
    {"field": "feedback_user", "headerName": "Given by", "filter": "agTextColumnFilter"},
]


def layout(services: Services, model: str | None = None, **_query: Any) -> Component:
    """The newest predictions first; click a row to give feedback on it."""
    header = page_header(
        "Feedback",
        "Mark logged predictions correct or incorrect, or give the true outcome; "
        "the Performance page's live source and retraining use it.",
    )
    names = services.registry.names()
    if not names:
        return html.Div([header, empty_state("No model is registered yet.", "Run `portal demo`.")])
    chosen = model if model in names else names[0]
    grid = server_side_grid(
        ids.FEEDBACK_GRID,
        COLUMNS,
        rowSelection={"mode": "singleRow", "enableClickSelection": True, "checkboxes": False},
    )
    return html.Div(
        [
            header,
            dbc.Row(
                [
                    dbc.Col(labelled_dropdown(ids.FEEDBACK_MODEL, "Model", names, chosen), md=3),
                    dbc.Col(html.Div(id=ids.FEEDBACK_COVERAGE), md=9),
                ],
                className="g-3 mb-3",
            ),
            grid,
            dbc.Card(dbc.CardBody(_form()), className="my-3"),
            dbc.Card(dbc.CardBody(_upload()), className="mb-3"),
            dcc.Store(id=ids.FEEDBACK_REFRESH, data=0),
            dcc.Store(id=ids.FEEDBACK_GRID_RESET),
            dcc.Store(id=ids.FEEDBACK_URL_STATE),
        ]
    )


def _form() -> list[Component]:
    return [
        html.H5("Give feedback on the selected prediction"),
        dbc.Row(
            [
                dbc.Col(
                    [
                        dbc.Label("Prediction id", html_for=ids.FEEDBACK_SELECTED),
                        dbc.Input(id=ids.FEEDBACK_SELECTED, placeholder="click a row, or paste an id"),
                    ],
                    md=4,
                ),
                dbc.Col(
                    [
                        dbc.Label("True outcome", html_for=ids.FEEDBACK_OUTCOME),
                        dbc.Input(id=ids.FEEDBACK_OUTCOME, placeholder="class label or number"),
                    ],
                    md=3,
                ),
                dbc.Col(
                    [
                        dbc.Button("Correct", id=ids.FEEDBACK_CORRECT, color="success", className="me-2"),
                        dbc.Button("Incorrect", id=ids.FEEDBACK_INCORRECT, color="danger", className="me-2"),
                        dbc.Button("Save outcome", id=ids.FEEDBACK_SAVE, color="primary"),
                    ],
                    md=5,
                    className="d-flex align-items-end",
                ),
            ],
            className="g-3",
        ),
        html.Div(id=ids.FEEDBACK_STATUS, className="mt-2"),
    ]


def _upload() -> list[Component]:
    return [
        html.H5("Upload outcomes"),
        html.P(
            [
                "A CSV keyed by ",
                html.Code("prediction_id"),
                " or by the model's record id column, with an ",
                html.Code("outcome"),
                " (or target) column and/or a ",
                html.Code("verdict"),
                " column (correct/incorrect).",
            ],
            className="small text-muted",
        ),
        html.Div(
            dcc.Upload(
                id=ids.FEEDBACK_UPLOAD,
                children=html.Div(["Drop a file here or ", html.A("choose one")]),
                max_size=MAX_UPLOAD_BYTES,
                className="portal-upload border rounded p-3 text-center",
            ),
            # assets/upload_limit.js: the component drops larger files silently, so this says why.
            **{
                "data-max-bytes": str(MAX_UPLOAD_BYTES),
                "data-limit-target": ids.FEEDBACK_UPLOAD_LIMIT,
                "data-limit-hint": "Split it into smaller files, or send the outcomes to "
                "POST /api/v1/models/<name>/feedback.",
            },
        ),
        html.Div(id=ids.FEEDBACK_UPLOAD_LIMIT, role="alert"),
        html.Div(id=ids.FEEDBACK_UPLOAD_REPORT, className="mt-2"),
    ]


def upload_report(summary: str, problems: list[FeedbackProblem], error: str | None = None) -> Component:
    """What an upload stored, and each refused row (row, column, message)."""
    if error:
        return dbc.Alert(["Nothing was stored. ", error], color="danger", className="portal-upload-error")
    children: list[Component] = [dbc.Alert(summary, color="warning" if problems else "success")]
    if problems:
        rows = [[p.row, p.column, p.message] for p in problems[:SHOWN_PROBLEMS]]
        children.append(
            table(["Row", "Column", "Problem"], rows, table_id=ids.FEEDBACK_UPLOAD_REPORT + "-table")
        )
        if len(problems) > SHOWN_PROBLEMS:
            children.append(html.Div(f"… and {len(problems) - SHOWN_PROBLEMS} more", className="small"))
    return html.Div(children)
