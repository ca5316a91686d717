"""The outbox use cases write to, in memory (the delivery side is not faked here)."""

from __future__ import annotations

from datetime import datetime

from coachbot.domain.outbox.model import Channel, OutgoingMessage
from tests.fakes.database import FakeDatabase, OutboxRow


class FakeOutbox:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def enqueue(self, message: OutgoingMessage) -> bool:
        key = message.idempotency_key
        if self._db.outbox.first(lambda r: r.idempotency_key == key):
            return False
        self._db.outbox.insert(OutboxRow(message, key))
        return True

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
