"""The Drift page's Data quality section: one callback over portal.monitoring.quality."""

from __future__ import annotations

from typing import Any

import dash
import sqlalchemy as sa
from dash import Input, Output
from dash.development.base_component import Component

from layouts import drift_quality
from layouts.components import empty_state
from layouts.model_picker import known_version
from models.registry import RegistryError
from portal import ids
from portal.monitoring import drift as drift_service
from portal.monitoring import quality
from portal.services import Services


def register(app: dash.Dash, services: Services) -> None:
    """Fill the section for the page's model, version and window."""
    registry = services.registry

    @app.callback(
        Output(ids.DRIFT_QUALITY, "children"),
        Input(ids.DRIFT_MODEL, "value"),
        Input(ids.DRIFT_VERSION, "value"),
        Input(ids.DRIFT_WINDOW, "value"),
    )
    def fill(name: str, version: Any, window: str) -> Component:
        try:
            record = registry.get(name, known_version(registry, name, version))
            days = quality.window_days(window)
            view = quality.quality_view(
                services.engine,
                record,
                days,
                record.version if version else None,
                drift_service.thresholds_for(services, name).min_rows,
                services.figure_cache,
            )
        except (RegistryError, drift_service.WindowError) as exc:
            return empty_state("No data quality for this window.", str(exc))
        except sa.exc.SQLAlchemyError:
            return empty_state("The portal database is unavailable.", "Try again in a moment.")
        label = {"7d": "last 7 days", "30d": "last 30 days", "90d": "last 90 days"}.get(window, window)
        return drift_quality.content(view, label)
