"""Conversation state, per-user isolation and flood counters, in the database or memory
and in Redis."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey

from coachbot.bot.app import _fsm_storage
from coachbot.bot.middlewares.throttling import MemoryFloodCounter, RedisFloodCounter
from coachbot.storage.conversations import SqlConversationStorage
from coachbot.storage.db import create_engine

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def redis_or_none(request):
    return None if request.param == "database" else request.getfixturevalue("redis_client")


@pytest.fixture
async def conversations(sqlite_url, clock):
    engine = create_engine(sqlite_url)
    yield SqlConversationStorage(engine, clock)
    await engine.dispose()


async def test_conversation_state_and_data_are_kept(redis_or_none, conversations):
    storage, _isolation = _fsm_storage(redis_or_none, conversations)
    await storage.set_state(KEY, "InviteCoachForm:note")
    await storage.update_data(KEY, {"note": "Ben"})
    assert await storage.get_state(KEY) == "InviteCoachForm:note"
    assert await storage.get_data(KEY) == {"note": "Ben"}
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) is None


@pytest.mark.redis
async def test_redis_state_survives_a_restart(redis_client, conversations):
    first, _ = _fsm_storage(redis_client, conversations)
    await first.set_state(KEY, "InviteCoachForm:validity")
    # another process, or the same after a restart
    second, _ = _fsm_storage(redis_client, conversations)
    assert await second.get_state(KEY) == "InviteCoachForm:validity"


async def test_isolation_runs_one_users_updates_one_at_a_time(redis_or_none, conversations):
    _, isolation = _fsm_storage(redis_or_none, conversations)
    inside, overlaps = 0, 0

    async def handle() -> None:
        nonlocal inside, overlaps
        async with isolation.lock(KEY):
            inside += 1
            overlaps = max(overlaps, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(handle() for _ in range(5)))
    assert overlaps == 1


async def test_memory_flood_counter_counts_per_user_and_window():
    now = [100.0]
    counter = MemoryFloodCounter(monotonic=lambda: now[0])
    assert [await counter.hit(1, 10) for _ in range(3)] == [1, 2, 3]
    assert await counter.hit(2, 10) == 1
    now[0] += 10
    assert await counter.hit(1, 10) == 1


@pytest.mark.redis
async def test_redis_flood_counter_is_shared_and_expires(redis_client):
    first, second = RedisFloodCounter(redis_client), RedisFloodCounter(redis_client)
    assert await first.hit(5, 10) == 1
    assert await second.hit(5, 10) == 2
    ttl = await redis_client.ttl("coachbot:flood:5")
    assert 0 < ttl <= 10
