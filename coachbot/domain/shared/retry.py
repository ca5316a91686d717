"""Retrying what failed because a service was briefly out of reach (a database restart).

Which errors count as transient is the adapter's knowledge (`storage.faults`); how long to
keep trying is a setting; time is read from the injected clock and waited through the
injected `sleep`, so tests move time instead of waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from coachbot.domain.shared.clock import Clock

logger = logging.getLogger(__name__)

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]
IsTransient = Callable[[BaseException], bool]
"""Whether an error means "out of reach for now" (worth retrying), not "wrong"."""


def never_transient(_error: BaseException) -> bool:
    return False


async def real_sleep(seconds: float) -> None:
    await asyncio.sleep(max(seconds, 0))


@dataclass(frozen=True)
class Backoff:
    """Waits of `first`, then `factor` times longer each, at most `longest`; no retry
    starts later than `within` seconds after the first failure."""

    within: float
    first: float = 0.5
    factor: float = 2.0
    longest: float = 5.0

    def delay(self, retry: int) -> float:
        """The wait before retry number `retry` (1 for the first)."""
        return min(self.longest, self.first * self.factor ** (retry - 1))


@dataclass(frozen=True)
class Retrier:
    """Calls again, with backoff, what failed with a transient error, for a bounded time;
    then lets the last error through. Any other error goes through at once."""

    is_transient: IsTransient
    backoff: Backoff
    clock: Clock
    sleep: Sleep = real_sleep

    async def __call__(self, call: Callable[[], Awaitable[T]], *, what: str = "") -> T:
        first_failure = None
        retry = 0
        while True:
            try:
                return await call()
            except Exception as error:
                if not self.is_transient(error):
                    raise
                now = self.clock.now()
                first_failure = first_failure or now
                retry += 1
                delay = self.backoff.delay(retry)
                waited = (now - first_failure).total_seconds()
                if waited + delay > self.backoff.within:
                    raise
                logger.warning(
                    "%s failed (%s), retry %d in %.1f s",
                    what or "A call",
                    describe(error),
                    retry,
                    delay,
                )
                await self.sleep(delay)


def describe(error: BaseException) -> str:
    """One line: the error's type and the first line of its message."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
