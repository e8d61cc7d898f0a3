"""``portal.notebook.register``: a live pipeline goes into the registry the CLI's way, or not at all."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from models.demo_models import build_classifier
from models.registry import ModelRegistry
from portal.cli import main
from portal.notebook import NotebookError, register


@pytest.fixture()
def demo(data_dir: Path) -> tuple[object, pd.DataFrame]:
    """The demo's fitted churn pipeline and its reference frame, as a notebook would hold them."""
    version = data_dir / "models" / "churn" / "1"
    return joblib.load(version / "model.joblib"), pd.read_parquet(version / "reference.parquet")


def _small_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200)})
    frame["y"] = (frame["x"] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    return frame


def test_nbr001_register_stores_what_the_cli_stores(demo, tmp_path: Path, monkeypatch, capsys) -> None:
    model, reference = demo
    notebook_dir, cli_dir = tmp_path / "notebook", tmp_path / "cli"
    shown = register(model, reference, target="churned", name="churn", data_dir=notebook_dir)
    assert repr(shown).startswith("registered churn v1 (classification); metrics: accuracy=")
    assert repr(shown).endswith("(active)")
    assert (shown.name, shown.version, shown.active) == ("churn", 1, True)

    joblib.dump(model, tmp_path / "model.joblib")
    reference.to_parquet(tmp_path / "reference.parquet", index=False)
    for name in [n for n in __import__("os").environ if n.startswith("PORTAL_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(cli_dir))
    argv = ["models", "register", str(tmp_path / "model.joblib"), "--name", "churn"]
    assert main([*argv, "--reference", str(tmp_path / "reference.parquet"), "--target", "churned"]) == 0
    assert capsys.readouterr().out.strip() == shown.line

    ours = ModelRegistry(notebook_dir / "models").get("churn")
    theirs = ModelRegistry(cli_dir / "models").get("churn")
    same = ("task", "target", "classes", "features", "metrics", "global_importance", "data_fingerprint")
    assert {k: ours.metadata[k] for k in same} == {k: theirs.metadata[k] for k in same}
    # Registering scores the population up front, as the CLI does, so no page request has to.
    assert list((notebook_dir / "scores" / "churn" / "1").glob("*.parquet"))


def test_nbr002_a_second_version_stays_inactive_unless_asked(tmp_path: Path) -> None:
    frame = _small_frame()
    model = LogisticRegression().fit(frame[["x", "z"]], frame["y"])
    register(model, frame, target="y", name="small", data_dir=tmp_path)
    second = register(model, frame, target="y", name="small", data_dir=tmp_path)
    assert (second.version, second.active_version) == (2, 1)
    assert "not active: v1 is" in repr(second)
    third = register(model, frame, target="y", name="small", activate=True, data_dir=tmp_path)
    assert third.active and ModelRegistry(tmp_path / "models").active_version("small") == 3


class NotebookStep(TransformerMixin, BaseEstimator):
    """Stands in for a transformer typed into a notebook cell."""

    def fit(self, x, y=None):
        return self

    def transform(self, x):
        return x


NotebookStep.__module__ = "__main__"


def _fitted(steps: list) -> Pipeline:
    frame = _small_frame()
    return Pipeline(steps).fit(frame[["x", "z"]], frame["y"])


CASES = [
    (
        "unfitted model",
        lambda m: build_classifier(),
        None,
        {},
        "cannot register the Pipeline: the estimator is not fitted",
    ),
    (
        "model without predict",
        lambda m: {"weights": [1, 2]},
        None,
        {},
        "got a dict, not a scikit-learn estimator",
    ),
    (
        "neither classifier nor regressor",
        lambda m: KMeans(n_clusters=2, n_init=1, random_state=0).fit([[0.0], [1.0], [5.0]]),
        None,
        {},
        "KMeans is not a scikit-learn classifier with predict_proba or a regressor",
    ),
    ("frame not a DataFrame", None, lambda r: r.to_numpy(), {}, "reference_frame must be a pandas DataFrame"),
    (
        "target missing",
        None,
        None,
        {"target": "nope"},
        "target 'nope' is not a column of reference_frame; columns:",
    ),
    (
        "target not a string",
        None,
        None,
        {"target": ["churned"]},
        "target must name a column of reference_frame",
    ),
    (
        "missing feature column",
        None,
        lambda r: r.drop(columns=["plan"]),
        {},
        "lacks the model's input columns: plan",
    ),
    (
        "column names not strings",
        None,
        lambda r: r.set_axis([*r.columns[:-1], 7], axis=1),
        {},
        "column names of reference_frame must be strings",
    ),
    (
        "duplicate columns",
        None,
        lambda r: pd.concat([r, r[["plan"]]], axis=1),
        {},
        "reference_frame has more than one column named plan",
    ),
    ("bad name", None, None, {"name": "Bad Name"}, "model name 'Bad Name' is invalid"),
    ("name not a string", None, None, {"name": 7}, "model name 7 is invalid"),
    ("activate not a bool", None, None, {"activate": "yes"}, "activate must be True or False"),
    (
        "code from __main__",
        lambda m: _fitted([("step", NotebookStep()), ("model", LogisticRegression())]),
        lambda r: _small_frame(),
        {"target": "y"},
        "it uses NotebookStep defined in the notebook or script itself (__main__)",
    ),
    (
        "unpicklable model",
        lambda m: _fitted([("step", FunctionTransformer(lambda x: x)), ("model", LinearRegression())]),
        lambda r: _small_frame(),
        {"target": "y"},
        "the model cannot be saved as a model file",
    ),
]


@pytest.mark.parametrize(
    ("label", "model", "frame", "arguments", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_nbr003_bad_input_raises_the_clis_words_and_writes_nothing(
    demo, tmp_path: Path, label, model, frame, arguments, message
) -> None:
    fitted, reference = demo
    estimator = model(fitted) if model else fitted
    table = frame(reference) if frame else reference
    kwargs = {"target": "churned", "name": "churn", **arguments}
    with pytest.raises(NotebookError) as raised:
        register(estimator, table, data_dir=tmp_path / "nb", **kwargs)
    assert message in str(raised.value)
    assert raised.value.__suppress_context__ or raised.value.__context__ is None  # one clear message
    assert [p for p in (tmp_path / "nb").rglob("*") if p.is_file()] == []


DATA_DIRS = [
    ("a file", lambda t: (t / "file").write_text("x") and t / "file", "is a file, not a folder"),
    ("not a path", lambda t: 42, "data_dir must be a folder path, not 42"),
    ("empty", lambda t: "  ", "data_dir must be a folder path"),
]


@pytest.mark.parametrize(("label", "make", "message"), DATA_DIRS, ids=[c[0] for c in DATA_DIRS])
def test_nbr004_a_bad_data_dir_is_named(demo, tmp_path: Path, label, make, message) -> None:
    model, reference = demo
    with pytest.raises(NotebookError, match=message):
        register(model, reference, target="churned", name="churn", data_dir=make(tmp_path))
