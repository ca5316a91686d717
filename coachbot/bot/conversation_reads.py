"""Conversation state kept in the database, read again while the database is out of reach.

aiogram reads a person's state before the update middlewares run, so the retry around an
update (`middlewares.dedupe`) does not cover that first read: a person the process has not
seen yet would be told something went wrong during a database restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from coachbot.bot.middlewares.dedupe import DatabaseOutOfReachError
from coachbot.domain.shared.retry import Retrier, describe


class RetriedStateReads(BaseStorage):
    """`redeliver` is for webhook mode: a read that still fails asks for a redelivery."""

    def __init__(self, storage: BaseStorage, retry: Retrier, *, redeliver: bool) -> None:
        self._storage = storage
        self._retry = retry
        self._redeliver = redeliver

    async def get_state(self, key: StorageKey) -> str | None:
        try:
            return await self._retry(
                lambda: self._storage.get_state(key), what="Reading a conversation's state"
            )
        except Exception as error:
            if self._redeliver and self._retry.is_transient(error):
                raise DatabaseOutOfReachError(describe(error)) from error
            raise

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._storage.set_state(key, state)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._storage.set_data(key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self._storage.get_data(key)

    async def update_data(self, key: StorageKey, data: Mapping[str, Any]) -> dict[str, Any]:
        return await self._storage.update_data(key, data)

    async def close(self) -> None:
        await self._storage.close()
