"""The retry of calls that failed because a service was out of reach, on a fake clock."""

from __future__ import annotations

import pytest

from coachbot.domain.shared.retry import Backoff, Retrier
from tests.fakes.clock import FakeClock


class OutOfReach(Exception):
    pass


class Flaky:
    """Fails with `error` the first `failures` times it is called."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or OutOfReach("refused")
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def retrier(clock: FakeClock, waits: list[float], within: float = 30) -> Retrier:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=seconds)

    return Retrier(
        lambda error: isinstance(error, OutOfReach), Backoff(within=within), clock, sleep
    )


async def test_a_call_that_fails_for_a_while_succeeds_after_waits_that_grow(clock):
    waits: list[float] = []
    call = Flaky(failures=5)
    assert await retrier(clock, waits)(call) == "done"
    assert call.calls == 6
    assert waits == [0.5, 1.0, 2.0, 4.0, 5.0]


async def test_a_call_that_keeps_failing_gives_up_within_the_bound(clock):
    waits: list[float] = []
    call = Flaky(failures=1000)
    with pytest.raises(OutOfReach):
        await retrier(clock, waits, within=30)(call)
    assert sum(waits) <= 30
    assert sum(waits) + 5 > 30  # it did not give up early either
    assert call.calls == len(waits) + 1


async def test_other_errors_are_not_retried(clock):
    waits: list[float] = []
    call = Flaky(failures=1, error=ValueError("a bug"))
    with pytest.raises(ValueError):
        await retrier(clock, waits)(call)
    assert call.calls == 1 and waits == []


async def test_no_retry_when_the_bound_is_zero(clock):
    waits: list[float] = []
    with pytest.raises(OutOfReach):
        await retrier(clock, waits, within=0)(Flaky(failures=1))
    assert waits == []
