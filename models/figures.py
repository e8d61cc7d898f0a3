"""Pure figure builders: data in, ``go.Figure`` out. No Dash, no I/O, easy to test and cache."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

TEMPLATE = "plotly_white"
# Above this many points a scatter is drawn with WebGL.
WEBGL_POINTS = 2000


def base_figure(title: str, x_title: str = "", y_title: str = "") -> go.Figure:
    """An empty figure in the portal's chart style."""
    figure = go.Figure()
    figure.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.01},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=360,
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    return figure


def confusion_matrix(tp: int, fp: int, fn: int, tn: int, positive: str, negative: str) -> go.Figure:
    """Counts with actual classes as rows and predicted classes as columns."""
    figure = base_figure("Confusion matrix", "Predicted", "Actual")
    z = [[tn, fp], [fn, tp]]
    labels = [negative, positive]
    figure.add_trace(
        go.Heatmap(
            z=z,
            x=labels,
            y=labels,
            colorscale="Blues",
            showscale=False,
            text=[[f"{v:,}" for v in row] for row in z],
            texttemplate="%{text}",
            hoverinfo="skip",
        )
    )
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(type="category")
    return figure


def roc_curve(fpr: np.ndarray, tpr: np.ndarray, auc: float) -> go.Figure:
    """ROC curve with the chance diagonal."""
    figure = base_figure(f"ROC curve (AUC {auc:.3f})", "False positive rate", "True positive rate")
    figure.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name="model"))
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line={"dash": "dot"}))
    return figure


def pr_curve(recall: np.ndarray, precision: np.ndarray, average: float) -> go.Figure:
    """Precision against recall."""
    figure = base_figure(f"Precision-recall (AP {average:.3f})", "Recall", "Precision")
    figure.add_trace(go.Scatter(x=recall, y=precision, mode="lines", name="model"))
    return figure


def calibration(table: pd.DataFrame) -> go.Figure:
    """Observed positive rate against mean predicted probability, per bin."""
    figure = base_figure("Calibration", "Mean predicted probability", "Observed rate")
    figure.add_trace(
        go.Scatter(
            x=table["predicted"],
            y=table["observed"],
            mode="lines+markers",
            name="model",
            customdata=table["rows"],
            hovertemplate="predicted %{x:.3f}<br>observed %{y:.3f}<br>%{customdata} rows",
        )
    )
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dot"}))
    return figure


def importance(values: Mapping[str, float], top: int = 15) -> go.Figure:
    """Horizontal bars of the largest global importances."""
    items = sorted(values.items(), key=lambda kv: kv[1], reverse=True)[:top]
    figure = base_figure("Global feature importance (permutation)", "Loss increase when shuffled", "")
    figure.add_trace(go.Bar(x=[v for _, v in items][::-1], y=[k for k, _ in items][::-1], orientation="h"))
    figure.update_layout(height=max(300, 24 * len(items) + 80))
    return figure


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, max_points: int = 20000) -> go.Figure:
    """Scatter with the identity line; WebGL and a seeded sample keep it light on large data."""
    figure = base_figure("Predicted against actual", "Actual", "Predicted")
    if len(actual) > max_points:
        keep = np.random.default_rng(0).choice(len(actual), max_points, replace=False)
        actual, predicted = actual[keep], predicted[keep]
    scatter = go.Scattergl if len(actual) > WEBGL_POINTS else go.Scatter
    figure.add_trace(
        scatter(x=actual, y=predicted, mode="markers", marker={"size": 4, "opacity": 0.5}, name="rows")
    )
    if len(actual):
        low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
        figure.add_trace(
            go.Scatter(x=[low, high], y=[low, high], mode="lines", name="perfect", line={"dash": "dot"})
        )
    return figure


def residuals(actual: np.ndarray, predicted: np.ndarray, bins: int = 60) -> go.Figure:
    """Histogram of residuals, binned on the server so the payload does not grow with the data."""
    figure = base_figure("Residual distribution", "Predicted - actual", "Rows")
    errors = predicted - actual
    if len(errors):
        counts, edges = np.histogram(errors, bins=bins)
        figure.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name="rows"))
    return figure


def error_by_segment(table: pd.DataFrame, feature: str) -> go.Figure:
    """Mean absolute error per category, with row counts on hover."""
    figure = base_figure(f"Error by {feature}", feature, "Mean absolute error")
    figure.add_trace(
        go.Bar(
            x=table["segment"].astype(str),
            y=table["mae"],
            customdata=np.stack([table["rows"], table["bias"]], axis=1),
            hovertemplate="%{x}<br>MAE %{y:.3f}<br>bias %{customdata[1]:.3f}<br>%{customdata[0]} rows",
        )
    )
    return figure
