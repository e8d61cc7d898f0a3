"""Live agreement between the active and the shadow version, computed by the database.

Counts and sums over ``shadow_predictions`` (and the newest outcome per prediction in
``feedback``), so Compare costs the same at ten rows as at ten million.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from portal.db.feedback import feedback
from portal.db.shadow import shadow_predictions


@dataclasses.dataclass(frozen=True)
class Agreement:
    """How a shadow version's live answers compare with the live ones it shadowed."""

    model: str
    live_version: int
    shadow_version: int
    rows: int
    changed: int
    mean_difference: float | None
    mean_abs_difference: float | None
    labelled: int
    # Accuracy (classifiers) or mean absolute error (regressors) on the same labelled live rows.
    metric: str
    live_metric: float | None
    shadow_metric: float | None

    @property
    def changed_share(self) -> float | None:
        return self.changed / self.rows if self.rows else None

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "changed_share": self.changed_share}


def agreements(engine: sa.Engine, name: str, task: str, shadow_version: int | None = None) -> list[Agreement]:
    """One entry per (live version, shadow version) pair logged for ``name``, newest shadow first."""
    table = shadow_predictions.c
    difference = table.shadow_score - table.live_score
    query = (
        sa.select(
            table.live_version,
            table.shadow_version,
            sa.func.count(),
            sa.func.sum(sa.case((table.changed, 1), else_=0)),
            sa.func.avg(difference),
            sa.func.avg(sa.func.abs(difference)),
        )
        .where(table.model_name == name)
        .group_by(table.live_version, table.shadow_version)
        .order_by(table.shadow_version.desc(), table.live_version.desc())
    )
    if shadow_version is not None:
        query = query.where(table.shadow_version == shadow_version)
    with engine.connect() as connection:
        pairs = connection.execute(query).all()
        realized = {(row[0], row[1]): row[2:] for row in connection.execute(_realized(name, task)).all()}
    found = []
    for live_version, version, rows, changed, mean, mean_abs in pairs:
        labelled, live_metric, shadow_metric = realized.get((live_version, version), (0, None, None))
        found.append(
            Agreement(
                model=name,
                live_version=live_version,
                shadow_version=version,
                rows=rows,
                changed=int(changed or 0),
                mean_difference=None if mean is None else float(mean),
                mean_abs_difference=None if mean_abs is None else float(mean_abs),
                labelled=int(labelled or 0),
                metric="accuracy" if task == "classification" else "mae",
                live_metric=None if live_metric is None else float(live_metric),
                shadow_metric=None if shadow_metric is None else float(shadow_metric),
            )
        )
    return found


def _realized(name: str, task: str) -> sa.Select:
    """Both versions' metric on shadowed live rows whose newest feedback gives the true outcome."""
    table = shadow_predictions.c
    newest = (
        sa.select(feedback.c.prediction_id, sa.func.max(feedback.c.feedback_id).label("feedback_id"))
        .where(feedback.c.model_name == name, feedback.c.outcome.is_not(None))
        .where(feedback.c.prediction_id.in_(sa.select(table.prediction_id).where(table.model_name == name)))
        .group_by(feedback.c.prediction_id)
        .subquery()
    )
    outcome = feedback.alias("outcome")
    joined = shadow_predictions.join(newest, newest.c.prediction_id == table.prediction_id).join(
        outcome, outcome.c.feedback_id == newest.c.feedback_id
    )
    if task == "classification":
        live = sa.func.avg(sa.case((table.live_prediction == outcome.c.outcome, 1.0), else_=0.0))
        shadow = sa.func.avg(sa.case((table.shadow_prediction == outcome.c.outcome, 1.0), else_=0.0))
    else:
        truth = sa.cast(outcome.c.outcome, sa.Float)
        live = sa.func.avg(sa.func.abs(table.live_score - truth))
        shadow = sa.func.avg(sa.func.abs(table.shadow_score - truth))
    return (
        sa.select(table.live_version, table.shadow_version, sa.func.count(), live, shadow)
        .select_from(joined)
        .where(table.model_name == name)
        .group_by(table.live_version, table.shadow_version)
    )
