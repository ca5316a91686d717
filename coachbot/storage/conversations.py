"""Conversation state (aiogram's FSM state and data) in the database: where it lives when
there is no Redis, so that a restart or a deploy does not lose anyone's conversation.

Every answer writes the state or the data, so each write is one upsert, built once as a
Core statement; a read is one lookup by primary key. The same table serves SQLite and
PostgreSQL. The engine belongs to the container, which disposes of it.

Without Redis one bot process handles a person's updates (see README), so what this
process last read or wrote is what the table holds: the most recent conversations are
kept in memory too. Reads of them cost nothing and a write that changes nothing is not
made (each update reads state and data, and most answers rewrite the same state): the
check-in bench lost 13 % of its throughput to this table without the cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from coachbot.domain.shared.clock import Clock
from coachbot.storage.tables import ConversationStateRow

_TABLE = ConversationStateRow.__table__
_SELECT_ROW = select(_TABLE.c.state, _TABLE.c.data).where(_TABLE.c.key == bindparam("key"))
REMEMBERED = 10_000  # conversations kept in memory, least recently used dropped first

Conversation = tuple[str | None, dict[str, Any]]


class SqlConversationStorage(BaseStorage):
    def __init__(self, engine: AsyncEngine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._recent: OrderedDict[str, Conversation] = OrderedDict()
        # Every part of aiogram's key, so that two bots or destinies never share a row.
        self._keys = DefaultKeyBuilder(
            prefix="fsm", with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        row = insert(ConversationStateRow).values(
            key=bindparam("key"),
            state=bindparam("state"),
            data=bindparam("data", type_=_TABLE.c.data.type),
            updated_at=bindparam("at"),
        )
        # A state change keeps the data and a data change keeps the state.
        self._upsert_state = row.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={"state": row.excluded.state, "updated_at": row.excluded.updated_at},
        )
        self._upsert_data = row.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={"data": row.excluded.data, "updated_at": row.excluded.updated_at},
        )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        key_text = self._keys.build(key)
        known = self._recent.get(key_text)
        if known is not None and known[0] == value:
            return
        async with self._engine.begin() as connection:
            await connection.execute(
                self._upsert_state,
                {"key": key_text, "state": value, "data": {}, "at": self._clock.now()},
            )
        if known is not None:
            self._remember(key_text, (value, known[1]))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _data = await self._row(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        key_text = self._keys.build(key)
        known = self._recent.get(key_text)
        if known is not None and known[1] == data:
            return
        async with self._engine.begin() as connection:
            await connection.execute(self._upsert_data, self._data_params(key, data))
        if known is not None:
            self._remember(key_text, (known[0], dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _state, data = await self._row(key)
        return data

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        """Merge into the conversation's data: read (remembered, or one lookup) and write
        only when something changed."""
        state, current = await self._row(key)
        merged = {**current, **data}
        if merged != current:
            async with self._engine.begin() as connection:
                await connection.execute(self._upsert_data, self._data_params(key, merged))
            self._remember(self._keys.build(key), (state, merged))
        return dict(merged)

    async def forget_untouched(self, *, older_than: datetime) -> int:
        """Forget conversations nobody touched since `older_than`: what someone typed into
        a conversation they abandoned is not kept for ever."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(ConversationStateRow).where(ConversationStateRow.updated_at < older_than)
            )
        self._recent.clear()  # what is left is read again when needed
        return result.rowcount

    async def forget_everything(self) -> None:
        """Every conversation gone (as state kept before this table existed)."""
        async with self._engine.begin() as connection:
            await connection.execute(delete(ConversationStateRow))
        self._recent.clear()

    async def close(self) -> None:
        """Nothing to close: the container disposes of the engine."""

    async def _row(self, key: StorageKey) -> Conversation:
        key_text = self._keys.build(key)
        known = self._recent.get(key_text)
        if known is None:
            async with self._engine.connect() as connection:
                row = (await connection.execute(_SELECT_ROW, {"key": key_text})).first()
            known = (row.state, dict(row.data)) if row else (None, {})
            self._remember(key_text, known)
        else:
            self._recent.move_to_end(key_text)
        return known[0], dict(known[1])

    def _remember(self, key_text: str, conversation: Conversation) -> None:
        self._recent[key_text] = conversation
        self._recent.move_to_end(key_text)
        if len(self._recent) > REMEMBERED:
            self._recent.popitem(last=False)

    def _data_params(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        key_text, now = self._keys.build(key), self._clock.now()
        return {"key": key_text, "state": None, "data": dict(data), "at": now}
