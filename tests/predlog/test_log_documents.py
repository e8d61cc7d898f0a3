"""Prediction-log feature JSON: floats read back exactly, everything else as pandas' JSON writer gives it."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.inference import Prediction
from models.schema import FeatureSpec
from portal.predlog import documents
from portal.predlog.documents import (
    column_documents,
    feature_documents,
    output_documents,
    pandas_documents,
    pandas_outputs,
    row_documents,
)
from portal.predlog.parsing import feature_frame, json_lines, parse_rows, typed_features

TEXT = ['say "hi"', "back\\slash", "a/b", "ünïcødé ✓ 日本", "tab\tnew\nline", "", "=1+1", "\x01", "plain"]
DATES = ["2024-01-31", None, "1999-12-31T13:45:10"]
FLOATS = [0.0, -0.0, 23.0, 49.52, np.nan, np.inf, -np.inf, 1e-5, 1e16, 1e17, 123456789.123456, 1 / 3, 5e-324]


def _tricky_frame(rows: int = 60) -> pd.DataFrame:
    take = np.arange(rows)
    text = [TEXT[i % len(TEXT)] for i in take]
    return pd.DataFrame(
        {
            "amount": [FLOATS[i % len(FLOATS)] for i in take],
            "count": (take - 30) * 7,
            "flag": take % 2 == 0,
            "plan": np.array([None if i % 5 == 0 else t for i, t in enumerate(text)], dtype=object),
            "nan text": np.array([np.nan if i % 4 == 0 else t for i, t in enumerate(text)], dtype=object),
            "arrow": pd.array([None if i % 3 == 0 else t for i, t in enumerate(text)], dtype="str"),
            "signup": pd.to_datetime(DATES * (rows // len(DATES)), format="ISO8601"),
            'we"ird/ключ': np.arange(rows, dtype=float) / 8,
        }
    )


def expected(frame: pd.DataFrame) -> list[dict]:
    """What pandas writes, except that every float must read back bit for bit (null when not finite)."""
    documents = [json.loads(line) for line in pandas_documents(frame)]
    for name, column in frame.items():
        if column.dtype.kind == "f":
            for document, value in zip(documents, column.to_numpy(), strict=True):
                document[name] = float(value) if np.isfinite(value) else None
    return documents


def parsed(frame: pd.DataFrame) -> list[dict]:
    return [json.loads(line) for line in feature_documents(frame)]


def test_log001_tricky_columns_read_back_as_given() -> None:
    frame = _tricky_frame()
    assert parsed(frame) == expected(frame)
    assert parsed(frame.iloc[7:31]) == expected(frame.iloc[7:31])
    assert feature_documents(frame[["plan"]]) == pandas_documents(frame[["plan"]])
    small = pd.DataFrame({"x": [1e-11, 123456789.123456, 1 / 3, -0.0, 5e-324]})
    assert feature_documents(small) == [
        '{"x":1e-11}',
        '{"x":123456789.123456}',
        '{"x":0.3333333333333333}',
        '{"x":-0.0}',
        '{"x":5e-324}',
    ], "pandas' writer would have logged 0.0, 123456789.1234560013, 0.3333333333, 0.0, 0.0"


def test_log002_columns_pandas_must_encode_still_give_pandas_text_next_to_exact_floats() -> None:
    frame = pd.DataFrame(
        {
            "mixed": np.array([1, 1.0, True, "1", None], dtype=object),
            "aware": pd.to_datetime(["2024-01-01"] * 5).tz_localize("UTC"),
            "nullable": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "tiny": [1e-11, 2e-11, 1e-11, np.nan, 0.5],
        }
    )
    assert parsed(frame) == expected(frame)
    assert json.loads(feature_documents(frame)[0])["tiny"] == 1e-11
    assert feature_documents(frame.head(0)) == [] == pandas_documents(frame.head(0))


@settings(max_examples=80, deadline=None)
@given(
    numbers=st.lists(st.floats(), min_size=1, max_size=15),
    cells=st.lists(st.one_of(st.none(), st.text(max_size=6)), min_size=1, max_size=15),
    integers=st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=15),
)
def test_log003_any_values_read_back_as_given(
    numbers: list[float], cells: list[str | None], integers: list[int]
) -> None:
    rows = min(len(numbers), len(cells), len(integers))
    frame = pd.DataFrame(
        {
            "number": np.array(numbers[:rows], dtype=float),
            "text": np.array(cells[:rows], dtype=object),
            "arrow": pd.array(cells[:rows], dtype="str"),
            "integer": np.array(integers[:rows], dtype=np.int64),
        }
    )
    assert parsed(frame) == expected(frame)


def _prediction(predictions: object, probabilities: object = None, classes: list = ()) -> Prediction:
    task = "regression" if probabilities is None else "classification"
    return Prediction("m", 1, task, predictions, list(classes), probabilities)


def test_log004_outputs_match_the_pandas_built_text() -> None:
    probabilities = np.array([[0.576286, 0.423714], [1.0, 0.0], [1e-06, 0.999999], [0.5, 0.5]])
    cases = [
        _prediction(np.array([0, 1, 1, 0]), probabilities, [0, 1]),
        _prediction(["no", "yes", 'say "x"', "ü"], probabilities.tolist(), ["no", "yes"]),
        _prediction(np.array([True, False, True, False]), probabilities, [False, True]),
        _prediction(np.array([1.5, -0.0, 1e20, 123456.789])),
        _prediction([1.5, float("nan"), 3, 2**70]),
        _prediction(np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)),
        _prediction(np.array([0, 1, 1, 0]), np.array([[np.nan, 1.0]] * 4), [0, 1]),
        _prediction(np.array([], dtype=float)),
    ]
    for prediction in cases:
        assert output_documents(prediction) == pandas_outputs(prediction)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=20), st.lists(st.floats(), min_size=1, max_size=20))
def test_log005_any_probabilities_and_values_match(shares: list[float], values: list[float]) -> None:
    first = np.array(shares).round(6)
    classified = _prediction(np.zeros(len(first), dtype=int), np.c_[first, 1 - first], [0, 1])
    assert output_documents(classified) == pandas_outputs(classified)
    regressed = _prediction(np.array(values))
    assert output_documents(regressed) == pandas_outputs(regressed)


def test_log006_logged_features_read_back_bit_for_bit_with_both_parsers() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=2000) * 10.0 ** rng.integers(-12, 12, size=2000)
    values[:4] = [0.0, -0.0, 1e16, 1 / 3]
    documents = pd.Series(feature_documents(pd.DataFrame({"x": values})))
    by_pandas = json_lines(documents)["x"].to_numpy()
    by_arrow = feature_frame(documents, [FeatureSpec("x", "numeric")])["x"].to_numpy()
    for back in (by_pandas, by_arrow):
        assert np.array_equal(back.view(np.int64), values.view(np.int64)), "every bit, the sign of zero too"
    # pandas' reader refuses the far ends of the double range; Arrow's, which reads first, does not.
    extremes = np.array([5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1e-300, 1e300])
    documents = pd.Series(feature_documents(pd.DataFrame({"x": extremes})))
    back = feature_frame(documents, [FeatureSpec("x", "numeric")])["x"].to_numpy()
    assert np.array_equal(back.view(np.int64), extremes.view(np.int64))


FLOAT_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [0.0, -0.0, 1e-4, 9.999e-5, 1e9, 999999999.5, 1e16, 1e-5, 5e-324, 1.7976931348623157e308]
    ),
)
TEXT_VALUES = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["a/b", "\x7f", "\\u007f", "\\/", "\x7f/\\", '"', "\u2028", "\U0001f600"]),
)
STAMPS = st.one_of(
    st.none(), st.datetimes(min_value=dt.datetime(1678, 1, 1), max_value=dt.datetime(2261, 12, 31))
)


@st.composite
def small_frames(draw) -> pd.DataFrame:
    """1-64 rows of every column kind a model input takes, with the values that trip encoders up."""
    rows = draw(st.integers(1, 64))
    column = {
        "float": lambda: np.array(draw(st.lists(FLOAT_VALUES, min_size=rows, max_size=rows)), dtype=float),
        "int": lambda: np.array(
            draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=rows, max_size=rows))
        ),
        "bool": lambda: np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows))),
        "text": lambda: np.array(draw(st.lists(TEXT_VALUES, min_size=rows, max_size=rows)), dtype=object),
        "nan text": lambda: np.array(
            [np.nan if v is None else v for v in draw(st.lists(TEXT_VALUES, min_size=rows, max_size=rows))],
            dtype=object,
        ),
        "arrow text": lambda: pd.array(
            draw(st.lists(TEXT_VALUES, min_size=rows, max_size=rows)), dtype="str"
        ),
        "date": lambda: pd.to_datetime(draw(st.lists(STAMPS, min_size=rows, max_size=rows))).astype(
            draw(st.sampled_from(["datetime64[ns]", "datetime64[us]"]))
        ),
    }
    kinds = draw(st.lists(st.sampled_from(sorted(column)), min_size=1, max_size=6))
    names = draw(st.lists(st.text(max_size=6), min_size=len(kinds), max_size=len(kinds), unique=True))
    return pd.DataFrame({name: column[kind]() for name, kind in zip(names, kinds, strict=True)})


@settings(max_examples=300, deadline=None)
@given(small_frames())
def test_log007_a_few_rows_written_cell_by_cell_are_byte_identical_to_the_batch_path(frame) -> None:
    documents = row_documents(frame)
    assert documents is not None, "every plain column kind takes the row-wise path"
    assert documents == column_documents(frame)
    assert feature_documents(frame) == documents


@settings(max_examples=200, deadline=None)
@given(small_frames(), st.integers(1, 40), st.sampled_from([1, 3, documents.PYTHON_TEXT_VALUES]))
def test_log011_distinct_values_written_in_python_give_the_arrow_and_pandas_bytes(
    frame: pd.DataFrame, repeats: int, threshold: int
) -> None:
    """Columns of few distinct values are written by the row-wise writers; any mix gives the same text."""
    frame = pd.concat([frame] * repeats, ignore_index=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "PYTHON_TEXT_VALUES", -1)  # every column by Arrow and pandas
        reference = column_documents(frame)
        patch.setattr(documents, "PYTHON_TEXT_VALUES", threshold)
        assert column_documents(frame) == reference
        assert feature_documents(frame) == reference


@pytest.mark.parametrize("repeats", [1, 10], ids=["cell by cell", "column by column"])
def test_log008_odd_columns_leave_the_row_wise_path_to_pandas(repeats: int) -> None:
    mixed = pd.DataFrame({"x": np.array([1, "1", 1.5] * repeats, dtype=object)})
    categories = pd.DataFrame({"x": pd.Categorical(["a", "b", None] * repeats)})
    aware = pd.DataFrame({"x": pd.to_datetime(["2024-01-01T00:00:00+02:00"] * 3 * repeats)})
    # Missing markers pandas knows but the text writer does not: they must not pass as null.
    odd_missing = pd.DataFrame({"x": np.array(["a", pd.NaT, decimal.Decimal("NaN")] * repeats, dtype=object)})
    unhashable = pd.DataFrame({"x": np.array(["a", "b", None, ["list"]] * repeats, dtype=object)[1:]})
    for frame in (mixed, categories, aware, odd_missing, unhashable):
        assert row_documents(frame) is None
        assert feature_documents(frame) == column_documents(frame)


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
def test_log012_dates_by_column_match_the_cell_writer_before_1970_and_at_nat(unit: str) -> None:
    """Distinct dates are written once each and looked up per row: the text must be the cell writer's."""
    stamps = pd.Series(
        pd.to_datetime(
            ["1969-12-31T23:59:59.999", None, "2024-02-29T12:00:00.5", "1900-01-01", None] * 6,
            format="ISO8601",
        )
    ).astype(f"datetime64[{unit}]")
    frame = pd.DataFrame({"signup": stamps, "n": np.arange(len(stamps), dtype=float)})
    by_column = row_documents(frame)
    assert by_column == column_documents(frame)
    assert json.loads(by_column[0])["signup"] == "1969-12-31T23:59:59"
    assert json.loads(by_column[1])["signup"] is None


# The reference (pandas' reader) refuses the far ends of the double range; Arrow's is tested there above.
PANDAS_READABLE_FLOATS = st.one_of(
    st.floats(-1e300, 1e300).filter(lambda x: x == 0 or abs(x) >= 1e-300),
    st.sampled_from([np.nan, np.inf, -np.inf, -0.0]),
)
SCHEMA = [
    FeatureSpec("amount", "numeric"),
    FeatureSpec("count", "numeric", integer=True),
    FeatureSpec("plan", "categorical"),
    FeatureSpec("signup", "datetime"),
    FeatureSpec("never logged", "numeric"),
]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_log009_arrow_and_pandas_parse_logged_documents_to_the_same_typed_frame(data) -> None:
    rows = data.draw(st.integers(1, 80))
    draw = lambda values: data.draw(st.lists(values, min_size=rows, max_size=rows))  # noqa: E731
    frame = pd.DataFrame(
        {
            "amount": np.array(draw(PANDAS_READABLE_FLOATS), dtype=float),
            "count": np.array(draw(st.integers(-(2**53), 2**53))),
            "plan": np.array(draw(TEXT_VALUES), dtype=object),
            "signup": pd.to_datetime(draw(STAMPS)).astype("datetime64[ns]"),
        }
    )
    documents = pd.Series(feature_documents(frame))
    expected = typed_features(json_lines(documents), SCHEMA)
    pd.testing.assert_frame_equal(feature_frame(documents, SCHEMA), expected)


def test_log010_values_arrow_cannot_type_are_parsed_by_pandas_with_the_same_rules() -> None:
    documents = pd.Series(['{"amount":"12.5","plan":7,"signup":"2024-01-02T03:04:05"}', '{"amount":true}'])
    frame = feature_frame(documents, SCHEMA)
    assert frame["amount"].tolist() == [12.5, 1.0] and frame["plan"].tolist() == [7, None]
    assert frame["signup"].iloc[0] == pd.Timestamp("2024-01-02 03:04:05")
    raw = pd.DataFrame(
        {
            "prediction_id": ["a", "b"],
            "created_at": ["2026-01-01 00:00:00", "2026-01-02 00:00:00"],
            "features": ['{"amount":1}', '{"amount":2}'],
            "output": ['{"prediction":"yes","probabilities":{"no":0.25,"yes":0.75}}', '{"prediction":1}'],
        }
    )
    meta, _ = parse_rows(raw, SCHEMA)
    assert meta["prediction"].tolist() == ["yes", 1]
    assert meta["probability:yes"].iloc[0] == 0.75 and np.isnan(meta["probability:yes"].iloc[1])
