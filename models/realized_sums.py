"""Realized performance as mergeable sums, so a period's realized metrics never need its rows.

A day's labelled rows reduce to a few numbers: verdicts and correct verdicts (accuracy counts every
verdict, as live performance does), and for rows with a known binary outcome the positives and
negatives per bin of raw probability (the same ``BINS`` as the estimate). Confusion counts at the
threshold and ROC AUC (pairs in one bin count half) follow from the bins; regressors keep rows and
summed absolute and squared errors. Two days' sums add up to the sums of both.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from models.estimation import BINS, bin_index


@dataclasses.dataclass(frozen=True)
class ClassifierCounts:
    """Feedback on a binary classifier's rows: verdict counts, and outcomes by raw-probability bin."""

    labels: int
    verdicts: int
    correct: int
    positives: np.ndarray
    negatives: np.ndarray

    @classmethod
    def empty(cls) -> ClassifierCounts:
        zeros = np.zeros(BINS, dtype=np.int64)
        return cls(0, 0, 0, zeros, zeros.copy())

    @classmethod
    def of(cls, labels: int, verdicts: np.ndarray, raw: np.ndarray, positive: np.ndarray) -> ClassifierCounts:
        """Counts from arrays: verdicts (None if absent); raw probability and outcome per known row."""
        given = np.array([v is not None for v in verdicts], dtype=bool)
        correct = int(sum(1 for v in verdicts if v == "correct"))
        keep = np.isfinite(raw)
        index = bin_index(raw[keep])
        hits = positive[keep].astype(bool)
        return cls(
            labels,
            int(given.sum()),
            correct,
            np.bincount(index[hits], minlength=BINS).astype(np.int64),
            np.bincount(index[~hits], minlength=BINS).astype(np.int64),
        )

    def __add__(self, other: ClassifierCounts) -> ClassifierCounts:
        return ClassifierCounts(
            self.labels + other.labels,
            self.verdicts + other.verdicts,
            self.correct + other.correct,
            self.positives + other.positives,
            self.negatives + other.negatives,
        )

    def metrics(self, threshold: float) -> dict[str, float]:
        """Accuracy from verdicts; precision, recall, F1 and ROC AUC from the known outcomes."""
        result: dict[str, float] = {}
        if self.verdicts:
            result["accuracy"] = self.correct / self.verdicts
        flagged = np.arange(BINS) >= round(threshold * BINS)
        tp, fp = float(self.positives[flagged].sum()), float(self.negatives[flagged].sum())
        fn = float(self.positives[~flagged].sum())
        if tp + fp:
            result["precision"] = tp / (tp + fp)
        if tp + fn:
            result["recall"] = tp / (tp + fn)
        if 2 * tp + fp + fn:
            result["f1"] = 2 * tp / (2 * tp + fp + fn)
        total_pos, total_neg = float(self.positives.sum()), float(self.negatives.sum())
        if total_pos and total_neg:
            below = np.concatenate([[0], np.cumsum(self.negatives)[:-1]])
            pairs = float(np.sum(self.positives * (below + self.negatives / 2)))
            result["roc_auc"] = pairs / (total_pos * total_neg)
        return result


@dataclasses.dataclass(frozen=True)
class RegressorSums:
    """Rows with a known outcome and their summed absolute and squared errors."""

    labels: int = 0
    rows: int = 0
    abs_error: float = 0.0
    squared_error: float = 0.0

    def __add__(self, other: RegressorSums) -> RegressorSums:
        return RegressorSums(
            self.labels + other.labels,
            self.rows + other.rows,
            self.abs_error + other.abs_error,
            self.squared_error + other.squared_error,
        )

    def metrics(self, threshold: float = 0.0) -> dict[str, float]:
        if not self.rows:
            return {}
        return {"mae": self.abs_error / self.rows, "rmse": math.sqrt(self.squared_error / self.rows)}
