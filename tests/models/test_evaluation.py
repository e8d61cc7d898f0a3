"""Performance computations agree with scikit-learn and handle months without labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from models import evaluation
from models.registry import ModelRegistry


@pytest.fixture(scope="module")
def registry(demo_models_dir: Path) -> ModelRegistry:
    return ModelRegistry(demo_models_dir / "models")


def test_eva001_threshold_counts_and_cost_match_sklearn(registry) -> None:
    scored = evaluation.score_uncached(registry, registry.load("churn"), evaluation.REFERENCE)
    assert scored.rows > 100
    for threshold in (0.1, 0.35, 0.5, 0.9):
        result = evaluation.at_threshold(scored, threshold, cost_fp=2.0, cost_fn=7.0, benefit_tp=1.5)
        truth = (scored.actual == scored.positive).astype(int)
        flagged = (scored.score >= threshold).astype(int)
        tn, fp, fn, tp = skm.confusion_matrix(truth, flagged, labels=[0, 1]).ravel()
        assert (result.tp, result.fp, result.fn, result.tn) == (tp, fp, fn, tn)
        assert result.precision == pytest.approx(skm.precision_score(truth, flagged, zero_division=0))
        assert result.recall == pytest.approx(skm.recall_score(truth, flagged, zero_division=0))
        assert result.cost == pytest.approx(2.0 * fp + 7.0 * fn - 1.5 * tp)


def test_eva002_curves_and_calibration(registry) -> None:
    scored = evaluation.score_uncached(registry, registry.load("churn"), evaluation.REFERENCE)
    truth = (scored.actual == scored.positive).astype(int)
    fpr, tpr, auc = evaluation.roc_points(scored)
    assert auc == pytest.approx(skm.roc_auc_score(truth, scored.score))
    assert len(fpr) <= evaluation.CURVE_POINTS and fpr[0] == 0 and tpr[-1] == 1
    _, _, average = evaluation.pr_points(scored)
    assert average == pytest.approx(skm.average_precision_score(truth, scored.score))
    table = evaluation.calibration_table(scored)
    assert table["rows"].sum() == scored.rows
    assert ((table["predicted"] >= 0) & (table["predicted"] <= 1)).all()
    assert scored.metrics["roc_auc"] == pytest.approx(auc)


def test_eva003_months_come_from_the_population_and_filter_rows(registry) -> None:
    record = registry.get("revenue")
    months = evaluation.available_months(registry, record)
    assert len(months) == 12 and months == sorted(months)
    scored = evaluation.score_uncached(registry, registry.load("revenue"), months[-1])
    assert scored.rows > 0
    assert scored.metrics["mae"] == pytest.approx(np.mean(np.abs(scored.predicted - scored.actual)))
    table = evaluation.error_by_segment(scored, "plan")
    assert table["rows"].sum() == scored.rows
    assert table["mae"].is_monotonic_decreasing


def test_eva004_a_month_without_labels_is_empty_not_an_error(registry) -> None:
    scored = evaluation.score_uncached(registry, registry.load("churn"), "1999-01")
    assert scored.rows == 0 and scored.metrics == {}


def test_eva009_curves_are_cached_with_their_scored_source(app) -> None:
    services = app.server.extensions["portal.services"]
    calls: list[str] = []

    def roc(scored: evaluation.Scored) -> tuple:
        calls.append(scored.source)
        return evaluation.roc_points(scored)

    with app.server.app_context():
        scored = evaluation.score(services.registry, services.figure_cache, "churn", evaluation.REFERENCE)
        assert scored.key.startswith("scored:f") and scored.has_both_classes
        assert scored.negative_label != str(scored.positive)
        first = evaluation.derived(services.figure_cache, scored, "roc", roc)
        again = evaluation.derived(services.figure_cache, scored, "roc", roc)
    assert calls == ["reference"]
    np.testing.assert_array_equal(first[0], again[0])
