"""The outbox use cases write to, in memory (the delivery side is not faked here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from coachbot.domain.outbox.model import (
    Channel,
    OutgoingMessage,
    payload_from_json,
    payload_to_json,
)
from tests.fakes.database import FakeDatabase, OutboxRow
from tests.fakes.table import as_json


class FakeOutbox:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def enqueue(self, message: OutgoingMessage) -> bool:
        key = message.idempotency_key
        if self._db.outbox.first(lambda r: r.idempotency_key == key):
            return False
        # Stored as the JSON column holds it: a payload that does not survive fails here.
        payload = payload_from_json(as_json(payload_to_json(message.payload)))
        self._db.outbox.insert(OutboxRow(replace(message, payload=payload), key))
        return True

    async def enqueue_many(self, messages: Sequence[OutgoingMessage]) -> int:
        return sum([await self.enqueue(message) for message in messages])

    async def cancel(self, idempotency_key: str) -> bool:
        row = self._db.outbox.first(
            lambda r: r.idempotency_key == idempotency_key and r.status == "pending"
        )
        if row is None:
            return False
        row.status = "cancelled"
        return self._db.outbox.update(row, fields=("status",))

    async def set_reachable(
        self, channel: Channel, recipient: str, *, reachable: bool, reason: str, now: datetime
    ) -> None:
        key = (channel.value, recipient)
        if reachable:
            self._db.unreachable.pop(key, None)
        else:
            self._db.unreachable.setdefault(key, reason)
