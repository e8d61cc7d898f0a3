"""The feedback strip under a what-if prediction: stored against the logged prediction id it shows."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from portal import ids


def block(prediction_id: str, task: str) -> Component:
    """Correct / incorrect buttons and a true-outcome input for the prediction just logged."""
    hint = "class label" if task == "classification" else "number"
    return html.Div(
        [
            html.Div(
                ["Prediction id ", html.Code(prediction_id, className="portal-prediction-id")],
                className="small text-muted mb-2",
            ),
            dcc.Store(id=ids.WHATIF_FB_PREDICTION, data=prediction_id),
            dbc.InputGroup(
                [
                    dbc.Button("Correct", id=ids.WHATIF_FB_CORRECT, color="success", outline=True),
                    dbc.Button("Incorrect", id=ids.WHATIF_FB_INCORRECT, color="danger", outline=True),
                    dbc.Input(id=ids.WHATIF_FB_OUTCOME, placeholder=f"true outcome ({hint})"),
                    dbc.Button("Save outcome", id=ids.WHATIF_FB_SAVE, color="primary", outline=True),
                ],
                size="sm",
            ),
            html.Div(id=ids.WHATIF_FB_STATUS, className="mt-2 small"),
        ],
        className="portal-whatif-feedback mt-3",
    )
