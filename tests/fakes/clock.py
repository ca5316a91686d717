"""A clock tests move by hand instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class FakeClockTimer:
    """The delivery core's timer on a FakeClock: dates from the fake clock (so they match
    what use cases stored), waiting and rate limits in real time."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now()

    def seconds(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0))


class VirtualTimer:
    """Virtual time for the delivery core: waiting moves the fake clock instead of
    sleeping, so seconds of rate limiting pass in microseconds. Share `seconds` with the
    fake Bot API server and both count the same time."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now()

    def seconds(self) -> float:
        return self._clock.now().timestamp()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._clock.advance(seconds=seconds)
        await asyncio.sleep(0)
