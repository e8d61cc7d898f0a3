"""Micro-batching: concurrent callers share a model call and each gets exactly its own rows back."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from models.inference import Prediction, predict_uncached
from models.predict_batching import PredictBatcher, split_prediction
from models.registry import LoadedModel, ModelRegistry


@pytest.fixture(scope="module")
def churn(demo_models_dir: Path) -> tuple[LoadedModel, pd.DataFrame]:
    registry = ModelRegistry(demo_models_dir / "models")
    loaded = registry.load("churn")
    features = loaded.version.feature_names
    return loaded, registry.reference("churn", loaded.number)[features].reset_index(drop=True)


class GatedScorer:
    """``predict_uncached`` that holds its first call until released, and counts every call."""

    def __init__(self, fail_on_rows: int | None = None) -> None:
        self.calls: list[int] = []
        self.first_started = threading.Event()
        self.release = threading.Event()
        self.fail_on_rows = fail_on_rows

    def __call__(self, loaded: LoadedModel, frame: pd.DataFrame) -> Prediction:
        self.calls.append(len(frame))
        if len(self.calls) == 1:
            self.first_started.set()
            assert self.release.wait(30)
        if self.fail_on_rows is not None and (frame["tenure_months"] == self.fail_on_rows).any():
            raise ValueError("this row breaks the model")
        return predict_uncached(loaded, frame)


def _run_concurrently(batcher: PredictBatcher, loaded: LoadedModel, frames: list[pd.DataFrame]):
    results: list[object] = [None] * len(frames)

    def call(index: int) -> None:
        try:
            results[index] = batcher.predict(loaded, frames[index])
        except Exception as exc:  # the test inspects what each caller got
            results[index] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(frames))]
    for thread in threads:
        thread.start()
    return threads, results


def _queued(batcher: PredictBatcher, count: int) -> None:
    deadline = time.monotonic() + 30
    while sum(len(lane.pending) for lane in batcher._lanes.values()) < count:
        assert time.monotonic() < deadline, "callers never queued"
        time.sleep(0.01)


def test_pbt001_callers_queued_behind_a_batch_share_one_call_and_get_their_own_rows(churn) -> None:
    loaded, reference = churn
    scorer = GatedScorer()
    batcher = PredictBatcher(max_wait=0.0, max_rows=5000, score=scorer)
    first = reference.iloc[[0]].reset_index(drop=True)
    threads, results = _run_concurrently(batcher, loaded, [first])
    assert scorer.first_started.wait(30)
    frames = [reference.iloc[i : i + size].reset_index(drop=True) for i, size in ((1, 1), (5, 3), (20, 2))]
    more_threads, more = _run_concurrently(batcher, loaded, frames)
    _queued(batcher, 3)
    scorer.release.set()
    for thread in threads + more_threads:
        thread.join(30)
    assert scorer.calls == [1, 6], "the three queued callers were scored in one call"
    for frame, got in zip([first, *frames], [*results, *more], strict=True):
        alone = predict_uncached(loaded, frame)
        assert isinstance(got, Prediction)
        assert got.predictions == alone.predictions
        assert got.probabilities == alone.probabilities
        assert got.version == loaded.number


def test_pbt002_a_failing_frame_fails_only_its_own_caller(churn) -> None:
    loaded, reference = churn
    bad_value = -12345
    scorer = GatedScorer(fail_on_rows=bad_value)
    batcher = PredictBatcher(max_wait=0.0, max_rows=5000, score=scorer)
    threads, _ = _run_concurrently(batcher, loaded, [reference.iloc[[0]].reset_index(drop=True)])
    assert scorer.first_started.wait(30)
    good = reference.iloc[[3]].reset_index(drop=True)
    bad = reference.iloc[[4]].reset_index(drop=True).assign(tenure_months=bad_value)
    more_threads, results = _run_concurrently(batcher, loaded, [good, bad])
    _queued(batcher, 2)
    scorer.release.set()
    for thread in threads + more_threads:
        thread.join(30)
    assert isinstance(results[0], Prediction)
    assert results[0].probabilities == predict_uncached(loaded, good).probabilities
    assert isinstance(results[1], ValueError) and "breaks the model" in str(results[1])


def test_pbt003_a_lone_caller_does_not_wait_for_company(churn) -> None:
    loaded, reference = churn
    # A wait would last the whole minute: a lone caller must not start one.
    batcher = PredictBatcher(max_wait=60.0, max_rows=5000)
    frame = reference.iloc[[0]].reset_index(drop=True)
    started = time.monotonic()
    for _ in range(3):
        batcher.predict(loaded, frame)
    assert time.monotonic() - started < 30


def test_pbt004_a_batch_waits_for_an_announced_request(churn) -> None:
    loaded, reference = churn
    calls: list[int] = []

    def scorer(model: LoadedModel, frame: pd.DataFrame) -> Prediction:
        calls.append(len(frame))
        return predict_uncached(model, frame)

    batcher = PredictBatcher(max_wait=60.0, max_rows=5000, score=scorer)
    announced = threading.Event()
    go = threading.Event()
    outcome: list[Prediction] = []

    def announced_request() -> None:
        with batcher.arriving("churn"):
            announced.set()
            assert go.wait(30)  # still parsing and validating
            outcome.append(batcher.predict(loaded, reference.iloc[[1]].reset_index(drop=True)))

    other = threading.Thread(target=announced_request)
    other.start()
    assert announced.wait(30)
    leader, results = _run_concurrently(batcher, loaded, [reference.iloc[[0]].reset_index(drop=True)])
    _queued(batcher, 1)
    go.set()
    other.join(30)
    leader[0].join(30)
    assert calls == [2], "the leader held its batch open for the announced request"
    assert isinstance(results[0], Prediction) and len(outcome) == 1


def test_pbt005_an_announcement_that_ends_without_predicting_releases_the_wait(churn) -> None:
    loaded, reference = churn
    batcher = PredictBatcher(max_wait=60.0, max_rows=5000)
    announced = threading.Event()
    finish = threading.Event()

    def refused_request() -> None:
        with batcher.arriving("churn"):
            announced.set()
            assert finish.wait(30)  # e.g. validation refuses the records

    other = threading.Thread(target=refused_request)
    other.start()
    assert announced.wait(30)
    leader, results = _run_concurrently(batcher, loaded, [reference.iloc[[0]].reset_index(drop=True)])
    _queued(batcher, 1)
    finish.set()
    other.join(30)
    leader[0].join(30)
    assert not leader[0].is_alive() and isinstance(results[0], Prediction)


def test_pbt006_frames_at_the_row_limit_are_scored_alone(churn) -> None:
    loaded, reference = churn
    calls: list[int] = []

    def scorer(model: LoadedModel, frame: pd.DataFrame) -> Prediction:
        calls.append(len(frame))
        return predict_uncached(model, frame)

    batcher = PredictBatcher(max_wait=0.0, max_rows=10, score=scorer)
    batcher.predict(loaded, reference.iloc[:10].reset_index(drop=True))
    assert calls == [10] and not batcher._lanes, "a large frame never enters a queue"


def test_pbt007_split_prediction_cuts_rows_in_order() -> None:
    combined = Prediction("m", 1, "classification", ["a", "b", "c"], ["a", "b", "c"], [[1.0], [2.0], [3.0]])
    first, second = split_prediction(combined, [1, 2])
    assert (first.predictions, first.probabilities) == (["a"], [[1.0]])
    assert (second.predictions, second.probabilities) == (["b", "c"], [[2.0], [3.0]])
    regression = Prediction("m", 1, "regression", [1.5, 2.5], [], None)
    assert [p.predictions for p in split_prediction(regression, [1, 1])] == [[1.5], [2.5]]
