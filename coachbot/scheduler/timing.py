"""The clock the delivery core runs on: wall time plus the ability to wait.

Tests and benchmarks swap in a sped-up clock, shared with the fake Bot API server, so
Telegram's per-second limits can be exercised without waiting in real time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Timer(Protocol):
    def now(self) -> datetime: ...
    def seconds(self) -> float:
        """The same instant as `now()`, as seconds: what rate limits are counted in."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemTimer:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def seconds(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0))


class ScaledTimer:
    """Time that runs `speed` times faster than the wall clock, from `origin` on.

    Processes given the same origin and speed agree on the time, so a worker process and
    a fake server in another process count the same seconds.
    """

    def __init__(self, speed: float, origin: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.origin = time.time() if origin is None else origin

    def seconds(self) -> float:
        return self.origin + (time.time() - self.origin) * self.speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.seconds(), UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0) / self.speed)
