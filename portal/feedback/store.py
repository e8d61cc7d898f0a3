"""Feedback on logged predictions: validated against the prediction and its model, stored append-only.

Every submission names a logged prediction id and gives the true outcome, a verdict
(correct/incorrect), or both. The outcome is typed by the model that made the prediction: one of
its classes for a classifier, a finite number for a regressor. The newest row per prediction is
the one that counts; older rows stay as history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from models.registry import ModelRegistry, RegistryError
from portal.db.feedback import FEEDBACK_SOURCES, VERDICTS, feedback
from portal.db.prediction_log import prediction_log
from portal.web.identity import current_user

log = logging.getLogger(__name__)
LOOKUP_CHUNK = 500


@dataclasses.dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback as submitted; ``row`` is where it came from (a CSV line, a grid row)."""

    prediction_id: str
    outcome: Any = None
    verdict: str | None = None
    row: int | None = None


@dataclasses.dataclass(frozen=True)
class FeedbackProblem:
    """Why one item was refused: the row, the column at fault and a message an analyst can act on."""

    row: int | None
    column: str
    message: str


@dataclasses.dataclass(frozen=True)
class SubmitResult:
    """What a submission stored and what it refused."""

    stored: int
    problems: list[FeedbackProblem]
    verdicts: dict[str, int]

    def summary(self) -> str:
        counts = ", ".join(f"{n} {verdict}" for verdict, n in sorted(self.verdicts.items()) if n)
        stored = f"Stored feedback for {self.stored} prediction{'s' if self.stored != 1 else ''}"
        refused = f"; {len(self.problems)} row{'s' if len(self.problems) != 1 else ''} refused"
        return stored + (f" ({counts})" if counts else "") + (refused if self.problems else "") + "."


class FeedbackError(ValueError):
    """A single submission (what-if card, grid) was refused; the message says why."""


@dataclasses.dataclass(frozen=True)
class _Logged:
    model: str
    version: int
    prediction: Any


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_verdict(raw: Any) -> str | None:
    """``correct``/``incorrect`` (also true/false, yes/no, 1/0); None when blank; ValueError otherwise."""
    if _blank(raw):
        return None
    text = str(raw).strip().lower()
    if text in {"correct", "true", "yes", "1", "right"}:
        return "correct"
    if text in {"incorrect", "false", "no", "0", "wrong"}:
        return "incorrect"
    raise ValueError(f"{raw!r} is not a verdict: use correct or incorrect")


class FeedbackStore:
    """Validates and stores feedback; reads the latest feedback per prediction back as frames."""

    def __init__(
        self, engine: sa.Engine, registry: ModelRegistry, user: Callable[[], str] = current_user
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.user = user

    # -- writing ---------------------------------------------------------------------------------
    def submit(
        self, model: str, items: Sequence[FeedbackItem], source: str, user: str | None = None
    ) -> SubmitResult:
        """Store every valid item in one transaction; return the refused ones with reasons."""
        if source not in FEEDBACK_SOURCES:
            raise ValueError(f"unknown feedback source {source!r}")
        logged = self._logged(item.prediction_id for item in items)
        problems: list[FeedbackProblem] = []
        rows: list[dict[str, Any]] = []
        verdicts = {verdict: 0 for verdict in VERDICTS}
        verdicts["outcome only"] = 0
        now = dt.datetime.now(dt.UTC)
        who = user or self.user()
        for item in items:
            try:
                outcome, verdict = self._check(model, item, logged.get(str(item.prediction_id).strip()))
            except _Refused as refused:
                problems.append(FeedbackProblem(item.row, refused.column, str(refused)))
                continue
            verdicts[verdict or "outcome only"] += 1
            rows.append(
                {
                    "prediction_id": str(item.prediction_id).strip(),
                    "model_name": model,
                    "outcome": None if outcome is None else json.dumps(outcome),
                    "verdict": verdict,
                    "user_name": who,
                    "created_at": now,
                    "source": source,
                }
            )
        if rows:
            with self.engine.begin() as connection:
                connection.execute(feedback.insert(), rows)
        log.info(
            "feedback stored",
            extra={"model": model, "stored": len(rows), "refused": len(problems), "source": source},
        )
        return SubmitResult(len(rows), problems, verdicts)

    def submit_one(
        self, model: str, prediction_id: str, outcome: Any = None, verdict: str | None = None, source="page"
    ) -> SubmitResult:
        """One item from a page; raises FeedbackError with the reason when it is refused."""
        result = self.submit(model, [FeedbackItem(prediction_id, outcome, verdict)], source)
        if result.problems:
            raise FeedbackError(result.problems[0].message)
        return result

    def _check(self, model: str, item: FeedbackItem, logged: _Logged | None) -> tuple[Any, str | None]:
        """The typed outcome and verdict to store, or _Refused naming the column at fault."""
        if _blank(item.prediction_id):
            raise _Refused("prediction_id", "the prediction id is empty")
        if logged is None:
            raise _Refused("prediction_id", f"unknown prediction id {str(item.prediction_id).strip()!r}")
        if logged.model != model:
            raise _Refused(
                "prediction_id",
                f"prediction {item.prediction_id} was made by model {logged.model!r}, not {model!r}",
            )
        try:
            verdict = item.verdict if item.verdict in VERDICTS else parse_verdict(item.verdict)
        except ValueError as exc:
            raise _Refused("verdict", str(exc)) from None
        try:
            record = self.registry.get(model, logged.version)
        except RegistryError as exc:
            raise _Refused(
                "prediction_id", f"model version of this prediction is unavailable: {exc}"
            ) from None
        has_outcome = not _blank(item.outcome)
        if verdict is None and not has_outcome:
            raise _Refused("outcome", "give the true outcome, a verdict (correct/incorrect), or both")
        if record.task != "classification":
            return self._regression(item, verdict, has_outcome, logged)
        return self._classification(item, verdict, has_outcome, logged, record.classes)

    @staticmethod
    def _regression(item: FeedbackItem, verdict: str | None, has_outcome: bool, logged: _Logged):
        if not has_outcome:
            raise _Refused(
                "outcome", "a regression model needs the true outcome (a number), not only a verdict"
            )
        try:
            value = float(str(item.outcome).strip()) if isinstance(item.outcome, str) else float(item.outcome)
        except (TypeError, ValueError):
            raise _Refused(
                "outcome", f"{item.outcome!r} is not a number; this model predicts numbers"
            ) from None
        if not math.isfinite(value):
            raise _Refused("outcome", f"{item.outcome!r} is not a finite number")
        return value, verdict

    @staticmethod
    def _classification(
        item: FeedbackItem, verdict: str | None, has_outcome: bool, logged: _Logged, classes: list[Any]
    ) -> tuple[Any, str | None]:
        predicted = _match_class(logged.prediction, classes)
        if has_outcome:
            label = _match_class(item.outcome, classes)
            if label is _MISSING:
                allowed = ", ".join(map(str, classes))
                raise _Refused(
                    "outcome", f"{item.outcome!r} is not a class of this model; use one of: {allowed}"
                )
            implied = "correct" if label == predicted else "incorrect"
            if verdict is not None and verdict != implied:
                raise _Refused(
                    "verdict",
                    f"verdict {verdict!r} contradicts outcome {label!r} (the model predicted {predicted!r})",
                )
            return label, implied
        if verdict == "correct":
            return predicted, verdict
        others = [label for label in classes if label != predicted]
        if len(classes) == 2 and len(others) == 1:
            return others[0], verdict  # binary: incorrect means the other class
        return None, verdict  # multi-class: an accuracy count, but no label

    # -- reading ---------------------------------------------------------------------------------
    def _logged(self, prediction_ids: Iterable[Any]) -> dict[str, _Logged]:
        wanted = sorted({str(pid).strip() for pid in prediction_ids if not _blank(pid)})
        found: dict[str, _Logged] = {}
        table = prediction_log.c
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                chunk = wanted[start : start + LOOKUP_CHUNK]
                query = sa.select(table.prediction_id, table.model_name, table.model_version, table.output)
                for pid, name, version, output in connection.execute(
                    query.where(table.prediction_id.in_(chunk))
                ):
                    found[pid] = _Logged(name, int(version), json.loads(output).get("prediction"))
        return found

    def latest(self, model: str, prediction_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """The newest feedback per prediction of a model (history stays in the table)."""
        newest = sa.select(sa.func.max(feedback.c.feedback_id)).where(feedback.c.model_name == model)
        if prediction_ids is not None:
            if not prediction_ids:
                return _frame([])
            newest = newest.where(feedback.c.prediction_id.in_(list(prediction_ids)))
        newest = newest.group_by(feedback.c.prediction_id)
        query = sa.select(
            feedback.c.prediction_id,
            feedback.c.outcome,
            feedback.c.verdict,
            feedback.c.user_name,
            feedback.c.created_at,
            feedback.c.source,
        ).where(feedback.c.feedback_id.in_(newest))
        with self.engine.connect() as connection:
            return _frame(connection.execute(query).all())

    def history(self, prediction_id: str) -> pd.DataFrame:
        """Every feedback row given for one prediction, oldest first."""
        query = (
            sa.select(
                feedback.c.prediction_id,
                feedback.c.outcome,
                feedback.c.verdict,
                feedback.c.user_name,
                feedback.c.created_at,
                feedback.c.source,
            )
            .where(feedback.c.prediction_id == prediction_id)
            .order_by(feedback.c.feedback_id)
        )
        with self.engine.connect() as connection:
            return _frame(connection.execute(query).all())


FRAME_COLUMNS = ["prediction_id", "outcome", "verdict", "user_name", "created_at", "source"]


def _frame(rows: Sequence[Any]) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(row) for row in rows], columns=FRAME_COLUMNS)
    values = [json.loads(text) if isinstance(text, str) else None for text in frame["outcome"].astype(object)]
    frame["outcome"] = pd.Series(values, index=frame.index, dtype=object)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


class _Refused(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


_MISSING = object()


def _match_class(value: Any, classes: list[Any]) -> Any:
    """The model's own class value for ``value`` (``"1"`` matches class ``1``), or _MISSING."""
    if value in classes and not isinstance(value, bool):
        return value
    text = str(value).strip()
    for label in classes:
        if str(label) == text:
            return label
    try:
        number = float(text)
    except ValueError:
        return _MISSING
    for label in classes:
        if isinstance(label, (int, float)) and not isinstance(label, bool) and float(label) == number:
            return label
    return _MISSING
