"""The outbox use cases write to and the queue the delivery worker claims from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from coachbot.domain.outbox.model import Channel, ClaimedMessage, OutgoingMessage


class Outbox(Protocol):
    async def enqueue(self, message: OutgoingMessage) -> bool:
        """Store a message to send once the unit of work commits. A second message with the
        same idempotency key is ignored (False): retried business code sends nothing twice."""
        ...

    async def enqueue_many(self, messages: Sequence[OutgoingMessage]) -> int:
        """`enqueue` for many messages in one statement (the ticks' batches); how many
        were new (the others' keys were enqueued before)."""
        ...

    async def cancel(self, idempotency_key: str) -> bool:
        """Withdraw a message not sent yet (e.g. superseded); False if there was none."""
        ...

    async def set_reachable(
        self, channel: Channel, recipient: str, *, reachable: bool, reason: str, now: datetime
    ) -> None:
        """A recipient who blocked the bot gets nothing more until they come back."""
        ...


class OutboxQueue(Protocol):
    """The dispatcher's side of the outbox, shared by every worker process."""

    async def claim(
        self, *, worker: str, limit: int, now: datetime, lease_seconds: float
    ) -> Sequence[ClaimedMessage]:
        """Due messages, at most one per recipient and none for a recipient another worker
        is sending to, marked as being sent by `worker` until the lease runs out. Only the
        head of a recipient's queue is claimed: a message put back to retry later (429,
        5xx, dead worker) holds its recipient, and only its recipient, until then. Messages
        past their send-by time are marked missed; those to unreachable recipients failed."""
        ...

    async def renew(
        self, message_id: int, *, worker: str, now: datetime, lease_seconds: float
    ) -> bool:
        """Extend the lease right before sending; False if the claim was lost (the lease ran
        out and another worker may have the message now): then do not send."""
        ...

    async def mark_sent(
        self, message_id: int, *, sent_message_id: int | None, now: datetime
    ) -> None: ...
    async def retry_later(self, message_id: int, *, not_before: datetime, error: str) -> None: ...
    async def release(self, message_id: int, *, not_before: datetime) -> None:
        """Give a claimed message back untouched (not counted as an attempt)."""
        ...

    async def release_all(self, *, worker: str, now: datetime) -> int:
        """Give back every claim `worker` still holds (on shutdown, nothing is in flight)."""
        ...

    async def fail(self, message_id: int, *, error: str, now: datetime) -> None: ...
    async def mark_unreachable(
        self, channel: Channel, recipient: str, *, reason: str, now: datetime
    ) -> None: ...
    async def purge_finished(self, *, older_than: datetime) -> int: ...
