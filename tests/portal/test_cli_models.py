"""``portal models`` from the command line: register from CSV, list, promote, and bad input."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from portal.cli import main


@pytest.fixture()
def cli_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(__import__("os").environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    return data_dir


def _csv_reference(data_dir: Path, tmp_path: Path) -> Path:
    frame = pd.read_parquet(data_dir / "models" / "churn" / "1" / "reference.parquet")
    path = tmp_path / "reference.csv"
    frame.to_csv(path, index=False)
    return path


def register(model_file: Path, reference: Path, name: str, target: str = "churned") -> int:
    """Run ``portal models register`` and return its exit code."""
    argv = ["models", "register", str(model_file), "--name", name, "--reference", str(reference)]
    return main([*argv, "--target", target])


def test_cli001_register_from_csv_then_list_promote_and_predict(cli_env, tmp_path, capsys, make_settings):
    reference = _csv_reference(cli_env, tmp_path)
    model_file = cli_env / "models" / "churn" / "1" / "model.joblib"
    assert register(model_file, reference, "churn-csv") == 0
    assert "registered churn-csv v1 (classification)" in capsys.readouterr().out
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "churn-csv" in listing and "revenue" in listing
    assert register(model_file, reference, "churn-csv") == 0
    assert main(["models", "promote", "churn-csv", "v2"]) == 0
    assert "churn-csv v2 is now active" in capsys.readouterr().out
    # Registering and promoting score the population up front, so no page request has to.
    assert list((cli_env / "scores" / "churn-csv" / "2").glob("*.parquet"))

    from portal.app import create_app

    client = create_app(make_settings()).server.test_client()
    rows = pd.read_csv(reference).head(30)
    features = [f["name"] for f in client.get("/api/v1/models/churn-csv").get_json()["features"]]
    payload = json.loads(rows[features].to_json(orient="records"))
    body = client.post("/api/v1/models/churn-csv/predict", json={"records": payload}).get_json()
    assert body["version"] == 2
    model = joblib.load(model_file)
    assert [p["prediction"] for p in body["predictions"]] == model.predict(rows[features]).tolist()
    np.testing.assert_allclose(
        [p["probabilities"]["1"] for p in body["predictions"]],
        model.predict_proba(rows[features])[:, 1],
        atol=1e-6,
    )


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.joblib"
    path.write_text("this is not a model")
    return path


def _pickled_dict(tmp_path: Path) -> Path:
    path = tmp_path / "dict.pkl"
    path.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    return path


def _unfitted(tmp_path: Path) -> Path:
    from models.demo_models import build_classifier

    path = tmp_path / "unfitted.joblib"
    joblib.dump(build_classifier(), path)
    return path


CASES = [
    ("missing model file", lambda d, t: t / "absent.joblib", None, None, "does not exist"),
    ("text as model", lambda d, t: _text_file(t), None, None, "is not a joblib or pickle model file"),
    ("dict as model", lambda d, t: _pickled_dict(t), None, None, "not a scikit-learn estimator"),
    ("unfitted model", lambda d, t: _unfitted(t), None, None, "not fitted"),
    ("missing reference", None, lambda d, t: t / "absent.csv", None, "does not exist"),
    ("reference wrong type", None, lambda d, t: _text_file(t), None, "must be .csv or .parquet"),
    ("target absent", None, None, "nope", "--target 'nope' is not a column"),
    ("missing feature column", None, "drop-plan", None, "lacks the model's input columns: plan"),
    ("bad name", None, None, None, "model name 'Bad Name' is invalid"),
    ("undecodable csv", None, "latin1", None, "is not UTF-8"),
]


@pytest.mark.parametrize(
    ("label", "model", "reference", "target", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_cli002_bad_input_is_one_clear_line_and_writes_nothing(
    cli_env, tmp_path, capsys, label, model, reference, target, message
):
    model_file = model(cli_env, tmp_path) if model else cli_env / "models" / "churn" / "1" / "model.joblib"
    ref_path = _csv_reference(cli_env, tmp_path)
    if reference == "drop-plan":
        pd.read_csv(ref_path).drop(columns=["plan"]).to_csv(ref_path, index=False)
    elif reference == "latin1":
        ref_path.write_bytes(ref_path.read_bytes().replace(b"north", "nörth".encode("latin-1")))
    elif reference:
        ref_path = reference(cli_env, tmp_path)
    name = "Bad Name" if label == "bad name" else "churn"
    before = sorted(p.name for p in (cli_env / "models" / "churn").iterdir())
    code = register(model_file, ref_path, name, target or "churned")
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert sorted(p.name for p in (cli_env / "models" / "churn").iterdir()) == before


def test_cli003_promote_unknown_version_and_bad_argument(cli_env, capsys) -> None:
    assert main(["models", "promote", "churn", "9"]) == 2
    assert "has no version 9" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["models", "promote", "churn", "latest"])
    assert exit_info.value.code == 2
    assert "is not a version number" in capsys.readouterr().err
