"""Batch scoring: upload a file, see its validation report, score it in the background, download results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow.parquet as pq
from dash import dcc, html
from dash.development.base_component import Component

from layouts.components import empty_state, kpi_card, page_header, table
from models import figures
from portal import ids
from portal.services import Services

PREVIEW_ROWS = 200
SHOWN_PROBLEMS = 20
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["sendChartToCloud", "sendDataToCloud"]}


def layout(services: Services, model: str | None = None, **_query: Any) -> Component:
    """The upload zone and empty result areas; the callbacks fill them."""
    names = services.registry.names()
    if not names:
        return html.Div([page_header("Batch scoring"), empty_state("No models are registered yet.")])
    chosen = model if model in names else names[0]
    limit = services.settings.batch_max_bytes / 1e6
    return html.Div(
        [
            page_header(
                "Batch scoring",
                "Score a whole file with a model: it is checked against the model's inputs first, "
                "then scored in the background.",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Model", html_for=ids.BATCH_MODEL),
                            dcc.Dropdown(
                                id=ids.BATCH_MODEL,
                                options=[{"label": n, "value": n} for n in names],
                                value=chosen,
                                clearable=False,
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        html.Div(
                            [
                                html.Div(
                                    f"Drop a CSV, Parquet or Excel (.xlsx) file here "
                                    f"(up to {limit:,.0f} MB), or ",
                                    className="d-inline",
                                ),
                                dbc.Button("choose a file", id=ids.BATCH_PICK, color="primary", size="sm"),
                                html.Div(id=ids.BATCH_UPLOAD_STATUS, className="small mt-2", role="status"),
                            ],
                            id=ids.BATCH_DROP,
                            className="portal-batch-drop border rounded p-3",
                        ),
                        md=9,
                    ),
                ],
                className="mb-3",
            ),
            dcc.Store(id=ids.BATCH_UPLOAD),
            dcc.Store(id=ids.BATCH_VALIDATED),
            dcc.Store(id=ids.BATCH_MODEL_SYNC),
            html.Div(id=ids.BATCH_VALIDATION_PROGRESS, className="small text-muted", role="status"),
            html.Div(id=ids.BATCH_VALIDATION, className="mb-3"),
            html.Div(
                [
                    dbc.Button("Score", id=ids.BATCH_SCORE, color="success", disabled=True, className="me-2"),
                    dbc.Button("Cancel", id=ids.BATCH_CANCEL, color="secondary", outline=True, disabled=True),
                    dbc.Progress(
                        id=ids.BATCH_PROGRESS, value=0, label="", className="my-2", style={"height": "1.4rem"}
                    ),
                    html.Div(id=ids.BATCH_PROGRESS_TEXT, className="small text-muted", role="status"),
                    html.Div(id=ids.BATCH_STATUS, className="mt-2"),
                    html.Div(id=ids.BATCH_CANCEL_STATUS),
                ],
                className="mb-3",
            ),
            html.Div(id=ids.BATCH_RESULT),
        ]
    )


def validation_view(batch_id: str, ok: bool, message: str, report: dict[str, Any] | None) -> Component:
    """The report: a verdict, counts, the first problems with row and column, and the full list."""
    color = "success" if ok else "danger"
    children: list[Any] = [dbc.Alert(message, color=color, className="portal-batch-verdict")]
    if report:
        children.append(
            html.Div(
                f"{report['rows']:,} rows checked: {report['errors']:,} error(s), "
                f"{report['warnings']:,} warning(s).",
                className="small mb-2",
            )
        )
        first = report["first"][:SHOWN_PROBLEMS]
        if first:
            rows = [
                ["file" if p["row"] is None else p["row"], p["column"], p["severity"], p["message"]]
                for p in first
            ]
            children.append(table(["Row", "Column", "Severity", "Problem"], rows, table_id="batch-problems"))
        if report["errors"] or report["warnings"]:
            children.append(
                html.A(
                    "Download the full list of problems (CSV)",
                    href=f"/batch/{batch_id}/errors.csv",
                    className="portal-batch-errors-link",
                )
            )
    return html.Div(children)


def result_view(folder: Path, batch_id: str, message: str, task: str, classes: int) -> Component:
    """Summary, downloads, a preview grid and a chart of the scored batch.

    The prediction columns are the last ones: prediction, one probability per class, prediction id.
    """
    parquet = pq.ParquetFile(folder / "result.parquet")
    preview = next(parquet.iter_batches(batch_size=PREVIEW_ROWS)).to_pandas()
    names = list(parquet.schema_arrow.names)
    appended = names[-(classes + 2) :] if task == "classification" else names[-2:]
    read = [appended[0], *appended[1:-1][-1:]]
    scored = parquet.read(columns=read).to_pandas()
    downloads = html.Div(
        [
            html.Span("Download: ", className="me-1"),
            *[
                html.A(label, href=f"/batch/{batch_id}/result.{fmt}", className="me-3 portal-batch-download")
                for fmt, label in (("csv", "CSV"), ("parquet", "Parquet"), ("xlsx", "Excel"))
            ],
        ],
        className="mb-3",
    )
    grid = dag.AgGrid(
        id=ids.BATCH_GRID,
        rowData=preview.astype(object).where(preview.notna(), None).to_dict("records"),
        columnDefs=[{"field": n, "headerName": n} for n in names],
        defaultColDef={"resizable": True, "sortable": True, "filter": True, "minWidth": 110},
        dashGridOptions={"suppressFieldDotNotation": True},
        style={"height": "360px"},
    )
    return html.Div(
        [
            dbc.Alert(message, color="success", className="portal-batch-done"),
            dbc.Row(
                [dbc.Col(kpi_card("Rows scored", f"{parquet.metadata.num_rows:,}"), md=3)]
                + [dbc.Col(kpi_card(title, value), md=3) for title, value in _headline(scored, read, task)],
                className="mb-3",
            ),
            downloads,
            dcc.Graph(id=ids.BATCH_CHART, figure=summary_figure(scored, read, task), config=CHART_CONFIG),
            html.H5(f"First {min(PREVIEW_ROWS, parquet.metadata.num_rows)} rows", className="mt-3"),
            grid,
        ]
    )


def _headline(scored: pd.DataFrame, read: list[str], task: str) -> list[tuple[str, str]]:
    if task == "classification" and len(read) > 1:
        return [("Mean " + read[1].replace("_", " "), f"{scored[read[1]].mean():.1%}")]
    values = pd.to_numeric(scored[read[0]], errors="coerce")
    return [("Mean prediction", f"{values.mean():,.2f}"), ("Median prediction", f"{values.median():,.2f}")]


def _binned(values: pd.Series, bins: int) -> tuple[list[float], list[int]]:
    """Histogram counts computed here, so a million-row batch sends 50 bars to the browser, not its values."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    numbers = numbers[np.isfinite(numbers)]
    if not len(numbers):
        return [], []
    counts, edges = np.histogram(numbers, bins=bins)
    return ((edges[:-1] + edges[1:]) / 2).tolist(), counts.tolist()


def summary_figure(scored: pd.DataFrame, read: list[str], task: str) -> go.Figure:
    """Predicted classes, or the distribution of predicted values (or probabilities)."""
    figure = go.Figure()
    if task == "classification":
        counts = scored[read[0]].astype(str).value_counts().sort_index()
        figure.add_bar(x=counts.index.tolist(), y=counts.to_numpy(), name="rows")
        title = "Predicted class"
        if len(read) > 1:
            centres, counts = _binned(scored[read[1]], 40)
            figure.add_bar(x=centres, y=counts, name=read[1], xaxis="x2", yaxis="y2")
            figure.update_layout(
                xaxis={"domain": [0, 0.3]},
                xaxis2={"domain": [0.4, 1], "title": read[1]},
                yaxis2={"anchor": "x2"},
            )
            title = f"Predicted class and {read[1]}"
    else:
        centres, counts = _binned(scored[read[0]], 50)
        figure.add_bar(x=centres, y=counts, name="rows")
        title = "Predicted values"
    figure.update_layout(
        template=figures.TEMPLATE, title={"text": title, "x": 0.01}, height=360, showlegend=False
    )
    return figure
