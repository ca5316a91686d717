"""Conversation state in the database (no Redis): kept across a restart, the same on
SQLite and PostgreSQL, one row per person and conversation key."""

from __future__ import annotations

from datetime import timedelta

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, select

from coachbot.storage.conversations import SqlConversationStorage
from coachbot.storage.tables import ConversationStateRow

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


class Checkin(StatesGroup):
    answering = State()


async def test_state_and_data_are_kept_apart_and_survive_a_new_storage(engine, clock):
    first = SqlConversationStorage(engine, clock)
    await first.set_state(KEY, Checkin.answering)
    await first.set_data(KEY, {"response_id": 7, "selected": ["a"]})
    await first.set_state(KEY, Checkin.answering)  # a state change keeps the data

    second = SqlConversationStorage(engine, clock)  # the next process, after a restart
    assert await second.get_state(KEY) == "Checkin:answering"
    assert await second.get_data(KEY) == {"response_id": 7, "selected": ["a"]}
    assert await second.get_value(KEY, "response_id") == 7


async def test_update_data_merges_and_a_cleared_conversation_is_empty(engine, clock):
    storage = SqlConversationStorage(engine, clock)
    assert await storage.update_data(KEY, {"a": 1}) == {"a": 1}  # no row yet
    assert await storage.update_data(KEY, {"b": [2]}) == {"a": 1, "b": [2]}
    assert await storage.get_state(KEY) is None  # data alone sets no state

    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (None, {})


async def test_each_key_part_separates_conversations(engine, clock):
    storage = SqlConversationStorage(engine, clock)
    others = [
        StorageKey(bot_id=2, chat_id=42, user_id=42),
        StorageKey(bot_id=1, chat_id=43, user_id=42),
        StorageKey(bot_id=1, chat_id=42, user_id=42, thread_id=5),
        StorageKey(bot_id=1, chat_id=42, user_id=42, destiny="scene"),
        StorageKey(bot_id=1, chat_id=42, user_id=42, business_connection_id="b1"),
    ]
    await storage.set_state(KEY, "Checkin:answering")
    for other in others:
        assert await storage.get_state(other) is None
        await storage.set_data(other, {"other": True})
    assert await storage.get_data(KEY) == {}


async def test_a_write_is_one_row_stamped_by_the_clock(engine, clock, session_factory):
    storage = SqlConversationStorage(engine, clock)
    await storage.set_state(KEY, "Checkin:answering")
    clock.advance(seconds=60)
    await storage.update_data(KEY, {"response_id": 7})
    async with session_factory() as session:
        rows = (await session.scalars(select(ConversationStateRow))).all()
    # SQLite gives back the UTC time without its zone.
    assert [(r.state, r.data, r.updated_at.replace(tzinfo=None)) for r in rows] == [
        ("Checkin:answering", {"response_id": 7}, clock.now().replace(tzinfo=None))
    ]


async def test_only_conversations_untouched_for_long_are_forgotten(engine, clock):
    storage = SqlConversationStorage(engine, clock)
    abandoned = StorageKey(bot_id=1, chat_id=7, user_id=7)
    await storage.set_state(abandoned, "AddClientForm:notes")
    clock.advance(days=90)
    await storage.set_state(KEY, "Checkin:answering")
    assert await storage.forget_untouched(older_than=clock.now() - timedelta(days=1)) == 1
    assert (await storage.get_state(abandoned), await storage.get_state(KEY)) == (
        None,
        "Checkin:answering",
    )


async def test_a_remembered_conversation_is_read_and_rewritten_without_the_database(engine, clock):
    storage = SqlConversationStorage(engine, clock)
    await storage.set_state(KEY, Checkin.answering)
    await storage.set_data(KEY, {"response_id": 7})
    assert await storage.get_state(KEY) == "Checkin:answering"  # read once: now remembered
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await storage.get_state(KEY) == "Checkin:answering"
        assert await storage.get_data(KEY) == {"response_id": 7}
        await storage.set_state(KEY, Checkin.answering)  # no change: nothing written
        await storage.set_data(KEY, {"response_id": 7})
        assert [s for s in statements if "conversation_states" in s] == []
        await storage.update_data(KEY, {"response_id": 8})  # a change is written
        assert any("conversation_states" in s for s in statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert await SqlConversationStorage(engine, clock).get_data(KEY) == {"response_id": 8}
