"""What callbacks, layouts and the API need, gathered in one object and passed explicitly."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_caching import Cache

from models.registry import ModelRegistry
from portal.config import Settings

SERVICES_KEY = "portal.services"


@dataclasses.dataclass(frozen=True)
class Services:
    """The app's bound collaborators; nothing here is a module global."""

    settings: Settings
    registry: ModelRegistry
    inference_cache: Cache
    figure_cache: Cache
    engine: sa.Engine
    jobs: Any
    # portal.prediction_log.PredictionLog; typed loosely to keep this module free of its imports.
    prediction_log: Any = None
    # portal.feedback.FeedbackStore: analyst feedback on logged predictions.
    feedback: Any = None


def current_services() -> Services:
    """The services of the app serving the current request (layouts are called per request)."""
    return current_app.extensions[SERVICES_KEY]
