"""Logged predictions with their latest feedback, joined by the database: only labelled rows travel.

A window can hold millions of logged rows and a few thousand with feedback. Counts (logged, with
feedback, with an outcome, per day) are aggregated in SQL, and only the rows that carry feedback
are read and parsed, so a worker's memory follows the labels, not the size of the log. Pages
pass a row budget: beyond it they read a uniform sample of the labelled rows (the same one in every
worker), so memory stays bounded however many labels arrive.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models.registry import ModelVersion
from portal.db.feedback import feedback
from portal.db.prediction_log import prediction_log
from portal.predlog.day_counts import logged_per_day
from portal.predlog.parsing import parse_rows
from portal.predlog.windows import LOG_COLUMNS, WindowSpec, sample_cut, window_query


@dataclasses.dataclass(frozen=True)
class Coverage:
    """How many logged predictions a window holds, how many have feedback, how many a true outcome."""

    logged: int
    with_feedback: int
    with_outcome: int


@dataclasses.dataclass(frozen=True)
class Labelled:
    """The window's rows that have feedback (``meta`` with outcome and verdict, and features), and counts.

    ``logged_per_day`` counts every logged row of the window per UTC day, labelled or not.
    """

    meta: pd.DataFrame
    features: pd.DataFrame
    logged_per_day: pd.Series
    # The window's counts from the database (given a row budget): more than ``meta`` holds when sampled.
    counts: Coverage | None = None

    @property
    def labelled_total(self) -> int | None:
        return None if self.counts is None else self.counts.with_feedback

    @property
    def sampled(self) -> bool:
        return self.labelled_total is not None and self.labelled_total > len(self.meta)

    @property
    def sample_share(self) -> float:
        """The share of labelled rows read: 1.0 unless a row budget made this a sample."""
        if not self.sampled or not len(self.meta):
            return 1.0
        return len(self.meta) / self.labelled_total

    @property
    def logged(self) -> int:
        return int(self.logged_per_day.sum())

    @property
    def with_feedback(self) -> pd.Series:
        return self.meta["verdict"].notna() | self.meta["outcome"].notna()

    @property
    def coverage(self) -> float:
        """Share of logged predictions with feedback."""
        return float(self.with_feedback.sum()) / self.logged if self.logged else 0.0


def latest_feedback(model: str) -> sa.Subquery:
    """The newest feedback row per prediction of ``model`` (older rows stay as history)."""
    newest = (
        sa.select(sa.func.max(feedback.c.feedback_id).label("feedback_id"))
        .where(feedback.c.model_name == model)
        .group_by(feedback.c.prediction_id)
        .subquery("newest")
    )
    return (
        sa.select(
            feedback.c.prediction_id,
            feedback.c.outcome,
            feedback.c.verdict,
            feedback.c.user_name.label("feedback_user"),
        )
        .join(newest, newest.c.feedback_id == feedback.c.feedback_id)
        .subquery("latest")
    )


def coverage(engine: sa.Engine, spec: WindowSpec) -> Coverage:
    """Label coverage of a window, counted by the database without reading a row."""
    latest = latest_feedback(spec.model)
    labelled = (
        sa.select(sa.func.count(), sa.func.count(latest.c.outcome))
        .select_from(prediction_log.join(latest, latest.c.prediction_id == prediction_log.c.prediction_id))
        .where(*spec.where())
    )
    with engine.connect() as connection:
        with_feedback, with_outcome = connection.execute(labelled).one()
    total = int(logged_per_day(engine, spec).sum())
    return Coverage(total, int(with_feedback), int(with_outcome))


def labelled_window(
    engine: sa.Engine, record: ModelVersion, spec: WindowSpec | None = None, max_rows: int | None = None
) -> Labelled:
    """The window's rows with feedback (all versions of the model by default), and its daily row counts.

    With ``max_rows``, a window with more labelled rows than that reads a uniform sample of about
    that many (by the ids' random digits, as drift samples), and ``labelled_total`` says of how many.
    """
    spec = spec or WindowSpec(record.name)
    latest = latest_feedback(record.name)
    query = window_query(spec, latest.c.outcome, latest.c.verdict).join(
        latest, latest.c.prediction_id == prediction_log.c.prediction_id
    )
    counts = None
    if max_rows is not None:
        counts = coverage(engine, spec)
        cut = sample_cut(counts.with_feedback, max_rows)
        if cut is not None:
            query = query.where(sa.func.substr(prediction_log.c.prediction_id, 13, 4) < cut)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    raw = pd.DataFrame(rows, columns=[*LOG_COLUMNS, "outcome", "verdict"])
    meta, features = parse_rows(raw.drop(columns=["outcome", "verdict"]), record.schema)
    meta["outcome"] = pd.Series([_outcome(text) for text in raw["outcome"]], index=meta.index, dtype=object)
    meta["verdict"] = raw["verdict"].astype(object).where(raw["verdict"].notna(), None)
    return Labelled(
        meta.reset_index(drop=True), features.reset_index(drop=True), logged_per_day(engine, spec), counts
    )


def _outcome(text: Any) -> Any:
    """A stored outcome (JSON text typed by the model), or None when only a verdict was given."""
    return json.loads(text) if isinstance(text, str) else None


def training_rows(labelled: Labelled, record: ModelVersion) -> pd.DataFrame:
    """Features plus the target column, for logged rows whose feedback gives the true outcome."""
    has_outcome = labelled.meta["outcome"].notna().to_numpy()
    frame = labelled.features[has_outcome].copy()
    outcome = labelled.meta.loc[has_outcome, "outcome"]
    frame[record.target] = (
        outcome.astype(float).to_numpy() if record.task != "classification" else outcome.to_numpy()
    )
    return frame.reset_index(drop=True)
