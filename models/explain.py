"""Model-agnostic local explanations: sampled Shapley values over raw input features.

Each feature's contribution is its average marginal effect when added, in random order, to a
background row from the reference data. Contributions sum exactly to the prediction minus the
average prediction of the sampled background rows, for any pipeline, at the cost of one
batched predict call.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from models.caching import cached_call
from models.inference import frame_digest, positive_score, prediction_key
from models.registry import LoadedModel, ModelRegistry

DEFAULT_PERMUTATIONS = 48
BACKGROUND_ROWS = 200


@dataclasses.dataclass(frozen=True)
class Explanation:
    """Per-feature contributions to one row's score, with the baseline they start from."""

    model: str
    version: int
    base_value: float
    value: float
    contributions: dict[str, float]

    def ranked(self) -> list[tuple[str, float]]:
        """Features by absolute contribution, largest first."""
        return sorted(self.contributions.items(), key=lambda kv: abs(kv[1]), reverse=True)


def _coalition_frame(row: pd.DataFrame, background: pd.DataFrame, order: np.ndarray) -> pd.DataFrame:
    """Rows that switch features from background to ``row`` one at a time, per permutation."""
    samples, features = order.shape
    steps = features + 1
    # position[m, j]: when feature j is switched on in permutation m.
    position = np.empty_like(order)
    rows_index = np.arange(samples)[:, None]
    position[rows_index, order] = np.arange(features)[None, :]
    step = np.arange(steps)[None, :]
    columns = {}
    for j, name in enumerate(row.columns):
        switched = (position[:, j][:, None] < step).ravel()
        base = background[name].iloc[np.repeat(np.arange(samples), steps)].reset_index(drop=True)
        target = pd.Series([row[name].iloc[0]] * len(base), dtype=background[name].dtype)
        columns[name] = base.where(~switched, target)
    return pd.DataFrame(columns)


def explain_uncached(
    loaded: LoadedModel, row: pd.DataFrame, reference: pd.DataFrame, permutations: int, seed: int
) -> Explanation:
    """Sampled Shapley values with antithetic permutations (each order and its reverse)."""
    features = loaded.version.feature_names
    row = row[features].reset_index(drop=True).iloc[:1]
    rng = np.random.default_rng(seed)
    half = max(1, permutations // 2)
    forward = np.array([rng.permutation(len(features)) for _ in range(half)])
    order = np.concatenate([forward, forward[:, ::-1]])
    picks = rng.integers(0, len(reference), size=half)
    background = reference[features].iloc[np.concatenate([picks, picks])].reset_index(drop=True)
    background = background.astype({c: row[c].dtype for c in features if row[c].dtype != background[c].dtype})
    frame = _coalition_frame(row, background, order)
    scores = positive_score(loaded, frame).reshape(len(order), len(features) + 1)
    gains = np.diff(scores, axis=1)
    totals = np.zeros(len(features))
    for m in range(len(order)):
        totals[order[m]] += gains[m]
    contributions = totals / len(order)
    base_value = float(scores[:, 0].mean())
    value = float(positive_score(loaded, row)[0])
    return Explanation(
        loaded.name,
        loaded.number,
        base_value,
        value,
        {name: float(c) for name, c in zip(features, contributions, strict=True)},
    )


def explain(
    registry: ModelRegistry,
    cache: Any,
    name: str,
    row: pd.DataFrame,
    version: int | None = None,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> Explanation:
    """Explain one row with the active (or given) version; cached per model version and input."""
    loaded = registry.load(name, version)
    key = prediction_key(loaded, f"explain{permutations}-{seed}", frame_digest(row))

    def compute() -> Explanation:
        reference = loaded.version.reference(loaded.version.feature_names)
        if len(reference) > BACKGROUND_ROWS:
            reference = reference.sample(BACKGROUND_ROWS, random_state=seed).reset_index(drop=True)
        return explain_uncached(loaded, row, reference, permutations, seed)

    return cached_call(cache, "inference", key, compute, local=True)
