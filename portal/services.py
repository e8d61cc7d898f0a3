"""What callbacks, layouts and the API need, gathered in one object and passed explicitly."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_caching import Cache

from models.predict_batching import PredictBatcher
from models.registry import ModelRegistry
from portal.config import Settings
from portal.pages import PageIndex

if TYPE_CHECKING:
    # Types only: the feature packages import Services, so importing them back would be a cycle.
    from dash import CeleryManager, DiskcacheManager

    from portal.feedback.store import FeedbackStore
    from portal.predlog.recorder import PredictionLog
    from portal.shadow.scorer import ShadowScorer

SERVICES_KEY = "portal.services"


@dataclasses.dataclass(frozen=True)
class Services:
    """The app's bound collaborators; nothing here is a module global."""

    settings: Settings
    registry: ModelRegistry
    inference_cache: Cache
    figure_cache: Cache
    engine: sa.Engine
    # Runs Dash background callbacks: a disk cache in one process, Celery when scaled out.
    jobs: DiskcacheManager | CeleryManager
    # Every prediction shown or returned is recorded here.
    prediction_log: PredictionLog
    # Concurrent predictions of this process share model calls through it.
    predict_batcher: PredictBatcher
    # Live predictions scored again by each model's shadow version, off the request path.
    shadow: ShadowScorer
    # Analyst feedback on logged predictions.
    feedback: FeedbackStore
    # The registered pages, for code that must know them without importing ``layouts``.
    pages: PageIndex


def current_services() -> Services:
    """The services of the app serving the current request (layouts are called per request)."""
    return current_app.extensions[SERVICES_KEY]
