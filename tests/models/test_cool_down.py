"""CoolDown: a failed backend is skipped for its cool-down, per backend, and tried again after it."""

from __future__ import annotations

from models.cool_down import CoolDown


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_cool001_a_failure_skips_the_backend_until_the_cool_down_ends() -> None:
    clock = FakeClock()
    cool_down = CoolDown(seconds=5, clock=clock)
    assert not cool_down.active()
    assert cool_down.start() is True
    assert cool_down.active()
    clock.now += 4.9
    assert cool_down.active()
    clock.now += 0.2
    assert not cool_down.active()


def test_cool002_only_the_first_failure_of_an_outage_reports_itself() -> None:
    clock = FakeClock()
    cool_down = CoolDown(seconds=5, clock=clock)
    assert cool_down.start("redis") is True
    clock.now += 1
    assert cool_down.start("redis") is False, "already skipped: a second warning would be noise"
    clock.now += 10
    assert cool_down.start("redis") is True


def test_cool003_backends_cool_down_apart_and_a_success_clears_one() -> None:
    clock = FakeClock()
    cool_down = CoolDown(seconds=5, clock=clock)
    cool_down.start("a")
    assert cool_down.active("a")
    assert not cool_down.active("b")
    cool_down.clear("a")
    assert not cool_down.active("a")
