"""The sliding-window limiter, in memory and in Redis, behaves the same."""

from __future__ import annotations

import pytest

from coachbot.scheduler.limits import (
    IN_FLIGHT_HORIZON,
    Limit,
    MemoryRateLimiter,
    RedisRateLimiter,
)
from coachbot.scheduler.sender import TelegramLimits

CHAT = Limit("chat:1", 1, 1.0)
BOT = Limit("bot", 3, 1.0)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def limiter(request):
    if request.param == "memory":
        return MemoryRateLimiter()
    return RedisRateLimiter(request.getfixturevalue("redis_client"))


async def send(limiter, limits, now: float, token: str, answered: float | None = None) -> float:
    wait = await limiter.acquire(limits, now, token)
    if wait == 0:
        await limiter.confirm(limits, token, answered if answered is not None else now)
    return wait


async def test_a_chat_gets_one_message_per_window(limiter):
    assert await send(limiter, [CHAT], 100.0, "a") == 0
    assert await send(limiter, [CHAT], 100.4, "b") == pytest.approx(0.6)
    assert await send(limiter, [CHAT], 101.0, "c") == 0


async def test_the_window_counts_from_when_the_answer_came(limiter):
    assert await send(limiter, [CHAT], 100.0, "a", answered=100.3) == 0
    assert await limiter.delay([CHAT], 101.0) == pytest.approx(0.3)


async def test_all_limits_must_have_room_and_a_refusal_records_nothing(limiter):
    for n in range(3):
        assert await send(limiter, [Limit(f"chat:{n}", 1, 1.0), BOT], 100.0 + n / 10, str(n)) == 0
    assert await send(limiter, [Limit("chat:9", 1, 1.0), BOT], 100.5, "x") == pytest.approx(0.5)
    assert await limiter.delay([Limit("chat:9", 1, 1.0)], 100.5) == 0  # not recorded


async def test_an_unanswered_send_holds_its_place_until_the_horizon(limiter):
    assert await limiter.acquire([CHAT], 100.0, "lost") == 0  # its process died
    assert await limiter.delay([CHAT], 110.0) > 0
    assert await limiter.delay([CHAT], 100.0 + IN_FLIGHT_HORIZON + 1.0) == 0


def test_groups_and_private_chats_get_their_own_limits():
    limits = TelegramLimits(per_second=30)
    assert limits.for_chat("42") == [Limit("chat:42", 1, 1.0), Limit("bot", 30, 1.0)]
    assert limits.for_chat("-1001") == [Limit("chat:-1001", 20, 60.0), Limit("bot", 30, 1.0)]
