"""Multi-class feedback: "incorrect" counts for accuracy without a label; switching needs its audit row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from models import inference, live
from models.registry import RegistryError
from models.training import register_fitted
from portal.db.engine import create_engine
from portal.monitoring import promotions
from tests.loop.helpers import services_of


def _register_three_classes(services) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = np.where(x["a"] > 0.5, "high", np.where(x["a"] < -0.5, "low", "mid"))
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    register_fitted(services.registry, "tier", model, x.assign(tier=y), "tier", activate=True)
    return x


def test_fmc001_multiclass_incorrect_gives_accuracy_but_no_label(app) -> None:
    services = services_of(app)
    x = _register_three_classes(services)
    frame = x.head(4)
    result = inference.predict(services.registry, services.inference_cache, "tier", frame, 1)
    ids = services.prediction_log.record_frame(result, frame, source="api")
    predicted = [r["prediction"] for r in result.records()]
    services.feedback.submit_one("tier", ids[0], verdict="incorrect")
    services.feedback.submit_one("tier", ids[1], verdict="correct")
    other = next(c for c in ("high", "low", "mid") if c != predicted[2])
    services.feedback.submit_one("tier", ids[2], outcome=other)
    latest = services.feedback.latest("tier").set_index("prediction_id")
    assert latest.loc[ids[0], "outcome"] is None and latest.loc[ids[0], "verdict"] == "incorrect"
    assert latest.loc[ids[1], "outcome"] == predicted[1]
    assert latest.loc[ids[2], "verdict"] == "incorrect"
    meta = pd.DataFrame(
        {"verdict": latest["verdict"], "outcome": latest["outcome"], "prediction": predicted[:3]}
    )
    metrics = live.classification_live_metrics(meta, ["high", "low", "mid"])
    assert metrics["accuracy"] == pytest.approx(1 / 3)


def test_fmc002_no_switch_without_its_audit_row(app, tmp_path) -> None:
    services = services_of(app)
    services.registry.add_version(
        "churn",
        services.registry.load("churn").estimator,
        services.registry.reference("churn", 1),
        dict(services.registry.get("churn").metadata),
    )
    unmigrated = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(Exception, match="model_promotions"):
        promotions.promote(services.registry, unmigrated, "churn", 2, "someone", "cli")
    assert services.registry.active_version("churn") == 1
    with pytest.raises(RegistryError, match="no version 5"):
        promotions.promote(services.registry, services.engine, "churn", 5, "someone", "cli")
    assert promotions.history(services.engine, "churn").empty
