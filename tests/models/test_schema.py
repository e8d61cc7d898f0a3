"""validate_records: the column-wise check says exactly what the plain row-by-row loop says."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import schema as schema_module
from models.schema import CATEGORICAL, DATETIME, NUMERIC, FeatureSpec, FieldError, validate_records

SCHEMA = [
    FeatureSpec("tenure", NUMERIC, required=True, minimum=0.0, maximum=120.0, integer=True),
    FeatureSpec("charges", NUMERIC, required=True, minimum=13.2, maximum=629.39),
    FeatureSpec("usage", NUMERIC, required=False, minimum=0.06, maximum=126.85),
    FeatureSpec("score", NUMERIC, required=False),
    FeatureSpec("plan", CATEGORICAL, required=True, categories=("basic", "premium", "standard")),
    FeatureSpec("channel", CATEGORICAL, required=False, categories=("organic", "partner", "social")),
    FeatureSpec("autopay", CATEGORICAL, required=True, categories=(False, True)),
    FeatureSpec("note", CATEGORICAL, required=False),
    FeatureSpec(
        "signup", DATETIME, required=True, minimum="2015-10-04T00:00:00", maximum="2026-06-10T00:00:00"
    ),
    FeatureSpec("last_seen", DATETIME, required=False),
]
MANY_CATEGORIES = FeatureSpec("city", CATEGORICAL, categories=tuple(f"city{i:02d}" for i in range(25)))


def reference_validate(
    records: Iterable[Mapping[str, Any]], schema: Sequence[FeatureSpec]
) -> tuple[pd.DataFrame | None, list[FieldError], list[FieldError]]:
    """The oracle: the original loop over every record and every feature, and its frame building."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    columns: dict[str, list[Any]] = {spec.name: [] for spec in schema}
    known = {spec.name for spec in schema}
    ignored: set[str] = set()
    count = 0
    for row, record in enumerate(records):
        count += 1
        if not isinstance(record, Mapping):
            errors.append(FieldError(row, "", "each record must be a JSON object"))
            continue
        for spec in schema:
            if spec.name not in record:
                if spec.required:
                    errors.append(FieldError(row, spec.name, "is missing"))
                columns[spec.name].append(None)
                continue
            clean, error, warning = schema_module._check_value(spec, record[spec.name])
            if error:
                errors.append(FieldError(row, spec.name, error))
            if warning:
                warnings.append(FieldError(row, spec.name, warning))
            columns[spec.name].append(clean)
        for extra in sorted(set(map(str, record)) - known - ignored):
            ignored.add(extra)
            warnings.append(FieldError(row, extra, "is not a model input and was ignored (first seen here)"))
    if errors or count == 0:
        return None, errors, warnings
    data: dict[str, Any] = {}
    for spec in schema:
        values = columns[spec.name]
        if spec.kind == NUMERIC:
            data[spec.name] = pd.array([np.nan if v is None else float(v) for v in values], dtype="float64")
        elif spec.kind == DATETIME:
            data[spec.name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        else:
            data[spec.name] = pd.Series([np.nan if v is None else v for v in values], dtype=object).to_numpy()
    return pd.DataFrame(data), errors, warnings


def assert_same_as_reference(records: list[Any], schema: Sequence[FeatureSpec] = SCHEMA) -> None:
    """validate_records, and its column-wise path on its own, agree with the oracle (or raise alike)."""
    try:
        expected = reference_validate(records, schema)
    except Exception as exc:
        with pytest.raises(type(exc)) as raised:
            validate_records(records, schema)
        assert str(raised.value) == str(exc)
        return
    results = [validate_records(records, schema), validate_records(iter(records), schema)]
    unique_names = len({spec.name for spec in schema}) == len(schema)
    if unique_names and not any(isinstance(r, Mapping) and type(r) is not dict for r in records):
        # The column-wise path on its own, so a fallback to the row loop cannot hide a difference.
        results.append(schema_module._validate_columns(list(records), schema))
    for frame, errors, warnings in results:
        assert errors == expected[1]
        assert warnings == expected[2]
        if expected[0] is None:
            assert frame is None
        else:
            pd.testing.assert_frame_equal(frame, expected[0])


# Values for each kind: mostly valid ones, so frames get built, plus every kind of trouble.
ANY_BAD = [
    None,
    True,
    False,
    "ten",
    "",
    [1],
    {"a": 1},
    [],
    float("nan"),
    float("inf"),
    -float("inf"),
    10**400,
    2**53 + 1,
    -(2**63),
    1.5,
    0,
    np.float64(3.5),
    np.int64(4),
]
GOOD_DATES = [
    "2024-01-31",
    "2025-07-09T00:00:00.000",
    "2024-02-29T23:59:59",
    "2024-02-29 23:59:59.123456",
    "2020-05-01T10:11",
    "2021-03-04T05:06:07Z",
    "2021-03-04T05:06:07.5+00:00",
    "2021-03-04T05:06-00:00",
    "1700-01-01",
    "2199-12-31T23:59:59.999999",
]
ODD_DATES = [
    "2021-03-04T05:06:07+02:00",
    "2021-03-04T05:06:07-05:30",
    "2024-01-01T00:00:00.123456789",
    "2024-01-01T10",
    "2024-1-5",
    "20240105",
    "Jan 5 2024",
    "1500-06-01",
    "2262-01-01",
    "3000-01-01",
    "2024-01-01Z",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-01-01T24:00:00",
    "2024-01-01T10:60",
    "yesterday-ish",
    "NaT",
    "nan",
    "",
    "2024-01-01\n",
    " 2024-01-01",
    "\u0662\u0660\u0662\u0664-01-01",
]
GOOD = {
    "tenure": [0, 1, 12, 120, 7.0, 0.5, -0.0],
    "charges": [13.2, 20.5, 629.39, 100, 42.42],
    "usage": [0.06, 1.5, 126.85, 3, None],
    "score": [0, 1e300, -1e300, 5.5, None, 2**53 - 1],
    "plan": ["basic", "premium", "standard"],
    "channel": ["organic", "partner", "social", None],
    "autopay": [True, False, 0, 1],
    "note": ["x", "", "basic", 3, True, 2.5, None],
    "signup": GOOD_DATES,
    "last_seen": [*GOOD_DATES, None],
}
BAD = {
    "tenure": [-1, 121, 1e6, 5e-324, *ANY_BAD],
    "charges": [13.19, 629.4, *ANY_BAD],
    "usage": [0.0, 200, *ANY_BAD],
    "score": ANY_BAD,
    "plan": ["gold", "Basic", 1, 1.0, *ANY_BAD],
    "channel": ["tv", *ANY_BAD],
    "autopay": ["yes", 2, 1.0, 0.0, *ANY_BAD],
    "note": ANY_BAD,
    "signup": [*ODD_DATES, *ANY_BAD],
    "last_seen": [*ODD_DATES, *ANY_BAD],
}
NOT_OBJECTS = [5, "record", None, [1, 2], ["tenure"], 3.5, True]
EXTRA_KEYS = ["extra", "Tenure", "zzz", "aaa", "", "plan "]


def random_records(rng: random.Random, count: int, trouble: float) -> list[Any]:
    """Records whose values are bad, missing, extra or not objects with probability ``trouble``."""
    records: list[Any] = []
    for _ in range(count):
        if rng.random() < trouble / 10:
            records.append(rng.choice(NOT_OBJECTS))
            continue
        record: dict[Any, Any] = {}
        for spec in SCHEMA:
            roll = rng.random()
            if roll < trouble / 3:
                continue
            pool = BAD if roll < trouble else GOOD
            record[spec.name] = rng.choice(pool[spec.name])
        if rng.random() < trouble / 3:
            record[rng.choice(EXTRA_KEYS)] = rng.choice(ANY_BAD)
        keys = list(record)
        rng.shuffle(keys)
        records.append({key: record[key] for key in keys})
    return records


@pytest.mark.parametrize("trouble", [0.0, 0.0005, 0.005, 0.05, 0.3, 1.0])
@pytest.mark.parametrize("seed", range(4))
def test_sch001_generated_record_lists_match_the_reference(seed: int, trouble: float) -> None:
    rng = random.Random(seed * 1000 + int(trouble * 10_000))
    assert_same_as_reference(random_records(rng, rng.choice([1, 2, 50, 400]), trouble))


@st.composite
def record_lists(draw: st.DrawFn) -> list[Any]:
    """Lists of records mixing valid and invalid values, missing and extra keys, and non-objects."""
    count = draw(st.integers(min_value=0, max_value=25))
    trouble = draw(st.sampled_from([0.0, 0.02, 0.2, 0.6]))
    records: list[Any] = []
    for _ in range(count):
        if draw(st.floats(0, 1)) < trouble / 5:
            records.append(draw(st.sampled_from(NOT_OBJECTS) | st.integers() | st.text(max_size=3)))
            continue
        record: dict[Any, Any] = {}
        for spec in SCHEMA:
            roll = draw(st.floats(0, 1))
            if roll < trouble / 4:
                continue
            if roll < trouble:
                record[spec.name] = draw(bad_values(spec))
            else:
                record[spec.name] = draw(st.sampled_from(GOOD[spec.name]))
        if draw(st.floats(0, 1)) < trouble / 4:
            record[draw(st.sampled_from(EXTRA_KEYS) | st.text(max_size=4))] = draw(st.none() | st.integers())
        records.append(record)
    return records


def bad_values(spec: FeatureSpec) -> st.SearchStrategy[Any]:
    """Anything a JSON client (or a careless Python caller) might send for this feature."""
    numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.integers(-(2**70), 2**70)
    dates = st.dates().map(str) | st.datetimes(timezones=st.none() | st.timezones()).map(
        lambda d: d.isoformat(sep=st_sep(d))
    )
    return (
        st.sampled_from(BAD[spec.name])
        | numbers
        | st.booleans()
        | st.none()
        | st.text(max_size=6)
        | dates
        | st.lists(st.integers(), max_size=2)
        | st.dictionaries(st.text(max_size=2), st.integers(), max_size=1)
    )


def st_sep(moment: Any) -> str:
    """Vary the ISO separator between 'T' and ' ' without another draw."""
    return " " if moment.second % 2 else "T"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_lists())
def test_sch002_hypothesis_record_lists_match_the_reference(records: list[Any]) -> None:
    assert_same_as_reference(records)


@given(st.lists(st.sampled_from(MANY_CATEGORIES.categories) | st.text(max_size=3) | st.none(), max_size=8))
def test_sch003_unknown_category_messages_list_at_most_twenty(values: list[Any]) -> None:
    assert_same_as_reference([{"city": value} for value in values], [MANY_CATEGORIES])


def test_sch004_errors_are_row_major_and_frames_keep_their_dtypes() -> None:
    good = {"tenure": 3, "charges": 20.0, "plan": "basic", "autopay": True, "signup": "2024-01-31"}
    records = [
        {**good, "signup": "2024-02-30", "tenure": True},
        5,
        {**good, "plan": "gold", "extra": 1, "aaa": 2},
        {key: value for key, value in good.items() if key != "charges"} | {"extra": 2},
    ]
    frame, errors, warnings = validate_records(records, SCHEMA)
    assert frame is None
    assert [(e.row, e.field) for e in errors] == [
        (0, "tenure"),
        (0, "signup"),
        (1, ""),
        (2, "plan"),
        (3, "charges"),
    ]
    assert errors[0].message == "must be a number, got bool True"
    assert errors[1].message == "'2024-02-30' is not an ISO date such as 2024-01-31"
    assert errors[2].message == "each record must be a JSON object"
    assert errors[3].message == "unknown category 'gold'; allowed: 'basic', 'premium', 'standard'"
    assert errors[4].message == "is missing"
    assert [(w.row, w.field) for w in warnings] == [(2, "aaa"), (2, "extra")]
    assert_same_as_reference(records)

    frame, errors, warnings = validate_records(
        [{**good, "usage": 500, "signup": "2021-03-04T05:06:07+02:00", "note": None}, good], SCHEMA
    )
    assert errors == []
    assert warnings == [FieldError(0, "usage", "500 is outside the training range [0.06, 126.85]")]
    assert frame is not None
    assert frame["signup"].tolist() == [pd.Timestamp("2021-03-04 05:06:07"), pd.Timestamp("2024-01-31")]
    assert frame["signup"].dtype == "datetime64[ns]"
    assert frame["tenure"].dtype == "float64" and frame["usage"].isna().tolist() == [False, True]
    assert frame["note"].isna().all() and frame["last_seen"].isna().all()


def test_sch005_odd_inputs_match_the_reference() -> None:
    good = {"tenure": 3, "charges": 20.0, "plan": "basic", "autopay": True, "signup": "2024-01-31"}
    cases: list[list[Any]] = [
        [],
        [{}],
        [5, "not objects only"],
        [good] * 3,
        [{**good, "tenure": 10**400}],  # the reference raises OverflowError
        [{**good, "signup": "3000-01-01"}],  # a valid date that a nanosecond frame cannot hold
        [{**good, 7: "int key"}, {**good, "7": "str key"}],
        [{**good, "note": math.nan}],
        [{**good, "signup": "2021-03-04T05:06:07+02:00"}, {**good, "signup": "2021-03-04T05:06:07Z"}],
    ]
    for records in cases:
        assert_same_as_reference(records)
    assert_same_as_reference([good], [])
    assert_same_as_reference([{"plan": "basic"}, {}, {"plan": None}], [SCHEMA[4]])
    assert_same_as_reference([{"a": 1}], [FeatureSpec("a", NUMERIC), FeatureSpec("a", NUMERIC)])
    assert_same_as_reference([{"tenure": 5}], [FeatureSpec("tenure", NUMERIC, minimum=0.0, maximum=None)])
    assert_same_as_reference([{"tenure": 5}], [FeatureSpec("tenure", NUMERIC, minimum=math.nan, maximum=1.0)])
    assert_same_as_reference(
        [{"tenure": 2**60}], [FeatureSpec("tenure", NUMERIC, minimum=0, maximum=2**60 - 1)]
    )
    assert_same_as_reference([{"c": "a"}], [FeatureSpec("c", CATEGORICAL, categories=(["a"], "a"))])


def test_sch006_mappings_other_than_dicts_are_checked_row_by_row() -> None:
    from collections import OrderedDict
    from types import MappingProxyType

    good = {"tenure": 3, "charges": 20.0, "plan": "basic", "autopay": True, "signup": "2024-01-31"}
    assert_same_as_reference([OrderedDict(good), MappingProxyType({**good, "x": 1}), good, 4])


def test_sch007_plain_valid_values_are_not_checked_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    records = random_records(rng, 300, 0.0)
    for record in records:
        record.pop("usage", None)  # optional and absent is fine without a per-value check

    def refuse(spec: FeatureSpec, value: Any) -> None:
        raise AssertionError(f"{spec.name}={value!r} was checked one by one")

    plain = [r | {"autopay": bool(r["autopay"]), "note": "x", "channel": "social"} for r in records]
    plain = [r | {"score": 1.5, "last_seen": "2024-01-01"} for r in plain]
    expected = reference_validate(plain, SCHEMA)
    monkeypatch.setattr(schema_module, "_check_value", refuse)
    frame, errors, warnings = schema_module._validate_columns(plain, SCHEMA)
    assert errors == [] and warnings == expected[2]
    pd.testing.assert_frame_equal(frame, expected[0])


def test_sch008_demo_model_records_match_the_reference(demo_models_dir: Path) -> None:
    version_dir = demo_models_dir / "models" / "churn" / "1"
    features = json.loads((version_dir / "metadata.json").read_text())["features"]
    schema = [FeatureSpec.from_dict(feature) for feature in features]
    reference = pd.read_parquet(version_dir / "reference.parquet")[[spec.name for spec in schema]]
    records = json.loads(reference.head(2000).to_json(orient="records", date_format="iso"))
    assert_same_as_reference(records, schema)
    rng = random.Random(3)
    for _ in range(40):
        row, spec = rng.randrange(len(records)), rng.choice(schema)
        records[row] = {**records[row], spec.name: rng.choice([*ANY_BAD, *ODD_DATES, "gold"])}
    assert_same_as_reference(records, schema)
