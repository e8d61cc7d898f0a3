"""Warm a process before it serves: every active model, its reference data, scores and population.

Under gunicorn the app is preloaded in the master, which runs this once; every worker it forks, at
start and after each HUP, then begins with those in memory, so the first requests after a reload
are as fast as the rest (a cold worker once took 30 s over its first Overview). The heap is frozen
afterwards, so the garbage collector does not touch, and copy, the pages the workers share.
"""

from __future__ import annotations

import gc
import logging
import time

import plotly.graph_objects as go
import plotly.io

from models import evaluation, figures, population
from portal.services import Services

log = logging.getLogger(__name__)


def _warm_plotly() -> None:
    """Plotly builds each trace type's validators on first use; the pages' trace types, once, here."""
    figure = go.Figure(
        [go.Bar(x=[1], y=[1]), go.Histogram(x=[1]), go.Scatter(x=[1], y=[1]), go.Heatmap(z=[[1]])],
        layout={"template": figures.TEMPLATE},
    )
    plotly.io.to_json(figure)


def warm_up(services: Services) -> list[str]:
    """Load what the pages read for every model's active version; returns the models warmed."""
    started = time.monotonic()
    warmed = []
    registry = services.registry
    for name in registry.names():
        try:
            loaded = registry.load(name)
            registry.reference(name, loaded.number)
            population.scored_population(registry, services.settings.data_dir, name, loaded.number)
            evaluation.score(registry, services.figure_cache, name, evaluation.REFERENCE, loaded.number)
        except Exception as exc:  # a broken model must not keep the others, or the server, cold
            log.warning("model not warmed", extra={"model": name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        warmed.append(name)
    _warm_plotly()
    gc.freeze()
    log.info("warmed up", extra={"models": warmed, "seconds": round(time.monotonic() - started, 2)})
    return warmed
