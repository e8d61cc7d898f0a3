"""The registry: atomic versions, checksums before unpickling, promotion seen without restart."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from models.demo_models import feature_preprocessor
from models.registry import ModelIntegrityError, ModelNotFound, ModelRegistry, RegistryError
from models.training import register_fitted


def _second_churn_model(registry: ModelRegistry):
    """A different classifier on the same features, registered as churn v2 (inactive)."""
    from sklearn.pipeline import Pipeline

    record = registry.get("churn", 1)
    reference = record.reference()
    features = record.feature_names
    pipeline = Pipeline(
        [
            ("prep", feature_preprocessor(features)),
            ("model", HistGradientBoostingClassifier(max_iter=5, max_depth=2)),
        ]
    )
    pipeline.fit(reference[features], reference["churned"])
    return pipeline, register_fitted(registry, "churn", pipeline, reference, "churned")


def test_reg001_versions_metadata_and_active_marker(data_dir: Path) -> None:
    registry = ModelRegistry(data_dir / "models")
    assert registry.names() == ["churn", "revenue"]
    churn = registry.get("churn")
    assert churn.version == 1 and churn.task == "classification" and churn.classes == [0, 1]
    assert {f.name for f in churn.schema} >= {"tenure_months", "plan", "signup_date"}
    assert churn.metadata["data_fingerprint"] and len(churn.model_sha256) == 64
    assert churn.metadata["global_importance"]
    _, v2 = _second_churn_model(registry)
    assert v2.version == 2
    assert registry.active_version("churn") == 1, "a new version is inactive until promoted"
    registry.promote("churn", 2)
    assert registry.active_version("churn") == 2
    assert not list((data_dir / "models" / "churn").glob(".staging-*"))


def test_reg002_tampered_file_is_refused_while_other_versions_serve(data_dir: Path, client) -> None:
    registry = ModelRegistry(data_dir / "models")
    _second_churn_model(registry)
    model_file = data_dir / "models" / "churn" / "1" / "model.joblib"
    model_file.write_bytes(model_file.read_bytes() + b"tampered")
    with pytest.raises(ModelIntegrityError, match="checksum"):
        ModelRegistry(data_dir / "models").load("churn", 1)
    assert ModelRegistry(data_dir / "models").load("churn", 2).number == 2
    record = json.loads((data_dir / "models" / "revenue" / "1" / "metadata.json").read_text())
    assert record["version"] == 1
    row = pd.read_parquet(data_dir / "models" / "churn" / "1" / "reference.parquet").head(1)
    payload = json.loads(row.to_json(orient="records", date_format="iso"))
    refused = client.post("/api/v1/models/churn/predict", json={"records": payload, "version": 1})
    assert refused.status_code == 503
    assert "checksum" in refused.get_json()["error"]["message"]
    served = client.post("/api/v1/models/churn/predict", json={"records": payload, "version": 2})
    assert served.status_code == 200
    assert client.post("/api/v1/models/revenue/predict", json={"records": payload}).status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["models"]["detail"]["churn"]["status"] == "failed"


def test_reg003_promotion_is_seen_by_a_running_app_and_never_serves_stale(data_dir: Path, client) -> None:
    registry = ModelRegistry(data_dir / "models")
    v1 = joblib.load(data_dir / "models" / "churn" / "1" / "model.joblib")
    v2, _ = _second_churn_model(registry)
    reference = registry.get("churn", 1).reference()
    features = registry.get("churn", 1).feature_names
    rows = reference.head(40)[features]
    payload = {"records": json.loads(rows.to_json(orient="records", date_format="iso"))}

    def probabilities() -> np.ndarray:
        body = client.post("/api/v1/models/churn/predict", json=payload).get_json()
        return np.array([p["probabilities"]["1"] for p in body["predictions"]]), body["version"]

    before, version = probabilities()
    assert version == 1
    np.testing.assert_allclose(before, v1.predict_proba(rows)[:, 1], atol=1e-6)
    again, _ = probabilities()  # now cached
    np.testing.assert_allclose(again, before)
    registry.promote("churn", 2)
    after, version = probabilities()
    assert version == 2
    np.testing.assert_allclose(after, v2.predict_proba(rows)[:, 1], atol=1e-6)
    assert not np.allclose(after, before)


def test_reg004_unknown_names_and_versions(data_dir: Path) -> None:
    registry = ModelRegistry(data_dir / "models")
    with pytest.raises(ModelNotFound, match="registered: churn, revenue"):
        registry.get("nope")
    with pytest.raises(ModelNotFound, match="no version 7"):
        registry.get("churn", 7)
    with pytest.raises(ModelNotFound):
        registry.get("../etc")
    with pytest.raises(RegistryError, match="invalid"):
        register_fitted(registry, "Bad Name!", object(), pd.DataFrame(), "y")


def test_reg005_bad_artifacts_leave_nothing_behind(data_dir: Path) -> None:
    from sklearn.pipeline import Pipeline

    registry = ModelRegistry(data_dir / "models")
    reference = registry.get("churn").reference()
    unfitted = Pipeline([("prep", feature_preprocessor()), ("model", HistGradientBoostingClassifier())])
    with pytest.raises(RegistryError, match="not fitted"):
        register_fitted(registry, "churn", unfitted, reference, "churned")
    with pytest.raises(RegistryError, match="not a scikit-learn estimator"):
        register_fitted(registry, "churn", {"weights": [1, 2]}, reference, "churned")
    fitted = joblib.load(data_dir / "models" / "churn" / "1" / "model.joblib")
    with pytest.raises(Exception, match="lacks the model's input columns: plan"):
        register_fitted(registry, "churn", fitted, reference.drop(columns=["plan"]), "churned")
    assert [v.version for v in registry.versions("churn")] == [1]
    assert sorted(p.name for p in (data_dir / "models" / "churn").iterdir()) == ["1", "ACTIVE"]
