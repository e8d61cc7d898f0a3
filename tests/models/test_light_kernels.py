"""The light kernels give the bytes sklearn's fitted steps give, and decline whatever they do not know."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from models import light_kernels, small_frames
from models.demo_data import CATEGORICAL_COLUMNS, DATE_COLUMNS, NUMERIC_COLUMNS
from models.registry import ModelRegistry

EXTREME = [0.0, -0.0, 1e-308, 5e-324, -1e308, 1.7976931348623157e308, 1e15, -3.5, np.nan]


@pytest.fixture(scope="module")
def registry(demo_models_dir) -> ModelRegistry:
    return ModelRegistry(demo_models_dir / "models")


@pytest.fixture(scope="module")
def models(registry) -> dict[str, Pipeline]:
    return {name: registry.load(name).estimator for name in ("churn", "revenue")}


def _number() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(EXTREME), st.floats(allow_infinity=False, width=64), st.integers(-1000, 1000)
    )


def _category(known: list[str]) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(known), st.none(), st.just(np.nan), st.text(max_size=6))


def _date() -> st.SearchStrategy:
    days = st.datetimes(min_value=pd.Timestamp("1900-01-01"), max_value=pd.Timestamp("2200-01-01"))
    return st.one_of(days.map(lambda d: d.isoformat()), st.none(), st.just("not a date"))


@st.composite
def _frames(draw, estimator: Pipeline) -> pd.DataFrame:
    rows = draw(st.integers(1, 6))
    encoder = estimator.named_steps["preprocess"].named_transformers_["categorical"]["one_hot"]
    data: dict[str, list] = {}
    for column in NUMERIC_COLUMNS:
        data[column] = [float(draw(_number())) for _ in range(rows)]
    for column, known in zip(CATEGORICAL_COLUMNS, encoder.categories_, strict=True):
        data[column] = [draw(_category(list(known))) for _ in range(rows)]
    for column in DATE_COLUMNS:
        data[column] = [draw(_date()) for _ in range(rows)]
    frame = pd.DataFrame(data)
    if draw(st.booleans()):  # dates as the schema gives them, datetime64 with NaT
        for column in DATE_COLUMNS:
            frame[column] = pd.to_datetime(frame[column], errors="coerce", format="ISO8601")
    return frame[list(estimator.feature_names_in_)]


@pytest.mark.parametrize(("name", "method"), [("churn", "predict_proba"), ("revenue", "predict")])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_demo_models_give_the_estimators_bytes_on_tricky_rows(models, name, method, data) -> None:
    estimator = models[name]
    frame = data.draw(_frames(estimator))
    expected = getattr(estimator, method)(frame)
    got = getattr(small_frames, method)(estimator, frame)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("name", ["churn", "revenue"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_demo_step_kernel_matches_its_step(models, name, data) -> None:
    estimator = models[name]
    frame = data.draw(_frames(estimator))
    columns = estimator.named_steps["preprocess"]
    for _, transformer, selected in columns.transformers_:
        if isinstance(transformer, str):
            continue
        X = frame[selected]
        steps = transformer.steps if isinstance(transformer, Pipeline) else [("", transformer)]
        for _, step in steps:
            kernel = light_kernels.transform_kernel(step)
            assert kernel is not None, step
            expected = step.transform(X)
            got = kernel(X)
            assert type(got) is np.ndarray and got.dtype == expected.dtype and got.shape == expected.shape
            if got.dtype.kind == "O":
                assert got.tolist() == expected.tolist()
            else:
                assert got.tobytes() == expected.tobytes()
            X = expected
    model = estimator.steps[-1][1]
    method = "predict_proba" if name == "churn" else "predict"
    X = columns.transform(frame)
    kernel = light_kernels.predict_kernel(model, method)
    assert kernel is not None
    assert kernel(X).tobytes() == getattr(model, method)(X).tobytes()


def test_a_row_takes_no_sklearn_transform_or_predict(models, monkeypatch) -> None:
    estimator = models["churn"]
    frame = pd.DataFrame({c: [1.0] for c in NUMERIC_COLUMNS} | {c: ["x"] for c in CATEGORICAL_COLUMNS})
    frame = frame.assign(**{c: ["2024-01-02"] for c in DATE_COLUMNS})[list(estimator.feature_names_in_)]
    expected = estimator.predict_proba(frame)
    small_frames._plans.pop(estimator, None)

    def refuse(*args, **kwargs):
        raise AssertionError("sklearn's own method was called")

    for cls in (SimpleImputer, OneHotEncoder, FunctionTransformer):
        monkeypatch.setattr(cls, "transform", refuse)
    monkeypatch.setattr(HistGradientBoostingClassifier, "predict_proba", refuse)
    assert small_frames.predict_proba(estimator, frame).tobytes() == expected.tobytes()


def test_infinity_and_unusual_inputs_go_to_sklearn(models) -> None:
    estimator = models["churn"]
    imputer = estimator.named_steps["preprocess"].named_transformers_["numeric"]
    kernel = light_kernels.transform_kernel(imputer)
    numbers = pd.DataFrame({c: [1.0] for c in imputer.feature_names_in_})
    with pytest.raises(ValueError, match="infinity"):
        kernel(numbers.assign(**{NUMERIC_COLUMNS[0]: [np.inf]}))
    as_float32 = numbers.astype(np.float32)
    assert kernel(as_float32).tobytes() == imputer.transform(as_float32).tobytes()
    encoder = estimator.named_steps["preprocess"].named_transformers_["categorical"]["one_hot"]
    one_hot = light_kernels.transform_kernel(encoder)
    odd = np.array([[3] + ["x"] * (len(encoder.categories_) - 1)], dtype=object)  # an int category
    assert one_hot(odd).tobytes() == encoder.transform(odd).tobytes()
    model = estimator.steps[-1][1]
    boosted = light_kernels.predict_kernel(model, "predict_proba")
    X = np.zeros((2, model.n_features_in_), dtype=np.float32)
    assert boosted(X).tobytes() == model.predict_proba(X).tobytes()


class _MyImputer(SimpleImputer):
    pass


def _fitted_imputer(empty: bool = False, **options) -> SimpleImputer:
    cls = options.pop("cls", SimpleImputer)
    second = [np.nan] * 3 if empty else [5.0, np.nan, 6.0]
    data = np.array([[1.0, 2.0, 4.0], second]).T
    if "missing_values" in options:
        data = np.nan_to_num(data, nan=options["missing_values"])
    return cls(**options).fit(data)


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(_fitted_imputer(cls=_MyImputer), id="subclass"),
        pytest.param(_fitted_imputer(add_indicator=True), id="add_indicator"),
        pytest.param(_fitted_imputer(missing_values=-1.0), id="missing_values"),
        pytest.param(_fitted_imputer(empty=True), id="nan_statistics"),
        pytest.param(_fitted_imputer(copy=False), id="in_place"),
        pytest.param(_fitted_imputer().set_output(transform="pandas"), id="pandas"),
        pytest.param(FunctionTransformer(np.log1p, validate=True).fit([[1.0]]), id="validate"),
    ],
)
def test_unusual_imputers_and_functions_are_declined(step) -> None:
    assert light_kernels.transform_kernel(step) is None


def test_a_plain_imputer_is_taken_and_matches() -> None:
    imputer = _fitted_imputer(keep_empty_features=True)
    X = np.array([[np.nan, -0.0], [3.0, np.nan]])
    assert light_kernels.transform_kernel(imputer)(X).tobytes() == imputer.transform(X).tobytes()


_CATEGORIES = np.array([["a"], ["a"], ["a"], ["b"], ["c"]], dtype=object)


@pytest.mark.parametrize(
    "options",
    [
        {"handle_unknown": "error"},
        {"handle_unknown": "infrequent_if_exist", "min_frequency": 2},
        {"handle_unknown": "ignore", "max_categories": 2},
        {"handle_unknown": "ignore", "drop": "first"},
        {"handle_unknown": "ignore", "sparse_output": True},
        {"handle_unknown": "ignore", "dtype": np.float32},
    ],
)
def test_unusual_encoders_are_declined(options) -> None:
    encoder = OneHotEncoder(**({"sparse_output": False} | options)).fit(_CATEGORIES)
    assert light_kernels.transform_kernel(encoder) is None


def test_a_plain_encoder_is_taken_and_matches() -> None:
    encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(_CATEGORIES)
    X = np.array([["b"], ["zz"], ["a"]], dtype=object)
    assert light_kernels.transform_kernel(encoder)(X).tobytes() == encoder.transform(X).tobytes()


def _boosting_data(classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:, 2] = rng.integers(0, 4, size=300)
    y = (np.nan_to_num(X[:, 0]) * 3 + X[:, 2]).astype(int) % classes
    return X, y


def test_categorical_splits_and_subclasses_are_declined() -> None:
    X, y = _boosting_data()
    categorical = HistGradientBoostingClassifier(max_iter=5, categorical_features=[2]).fit(X, y)
    assert light_kernels.predict_kernel(categorical, "predict_proba") is None

    class _MyBoosting(HistGradientBoostingClassifier):
        pass

    assert light_kernels.predict_kernel(_MyBoosting(max_iter=5).fit(X, y), "predict_proba") is None
    plain = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    assert light_kernels.predict_kernel(plain, "predict") is None  # class labels: the estimator's


@pytest.mark.parametrize("classes", [2, 3])
def test_other_boosted_models_match_including_multiclass(classes) -> None:
    X, y = _boosting_data(classes)
    classifier = HistGradientBoostingClassifier(max_iter=30, max_depth=6, random_state=0).fit(X, y)
    regressor = HistGradientBoostingRegressor(max_iter=30, loss="poisson", random_state=0).fit(X, y + 1.0)
    rows = np.vstack([X[:40], [[np.nan, np.nan, np.nan], [1e308, -1e308, 5e-324], [np.inf, -np.inf, 0.0]]])
    kernel = light_kernels.predict_kernel(classifier, "predict_proba")
    assert kernel(rows).tobytes() == classifier.predict_proba(rows).tobytes()
    kernel = light_kernels.predict_kernel(regressor, "predict")
    assert kernel(rows).tobytes() == regressor.predict(rows).tobytes()
