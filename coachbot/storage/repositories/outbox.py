"""The outbox: enqueue inside a business transaction, claim and settle in the dispatcher.

Claiming takes the head of each recipient's queue (see `claimable`) if it is due and no
worker is sending to that recipient, so messages to one chat go out in order and one at a
time, even when one of them is put back after a 429 or an outage, and a chat with a long
queue takes one place per batch instead of the whole batch. On PostgreSQL the candidate rows
are locked with FOR UPDATE SKIP LOCKED, so concurrent workers never claim the same row;
SQLite write transactions BEGIN IMMEDIATE and so run one at a time anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    delete,
    exists,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from coachbot.domain.outbox.model import (
    Channel,
    ClaimedMessage,
    OutgoingMessage,
    payload_from_json,
    payload_to_json,
)
from coachbot.storage.repositories._mapping import rowcount
from coachbot.storage.tables import OutboxRow, UnreachableRecipientRow

# Dead workers' claims and messages past their send-by time are looked for at most this
# often (two statements fewer in most claims).
SETTLE_EVERY = timedelta(seconds=1)
# Written into the SQL, not bound: only then may SQLite and a PostgreSQL generic plan use
# the partial indexes over pending rows (`status = 'pending'`, storage/tables.py).
PENDING: ColumnElement[str] = literal_column("'pending'")
SENDING: ColumnElement[str] = literal_column("'sending'")


def claimable(now: datetime) -> Select[int]:
    """Ids of the messages a worker may claim now, earliest due first: the head of each
    chat's queue, if it is due and nothing to that chat is being sent.

    A chat's head is its oldest pending message that is due or was tried before: one put
    back after a 429, a 5xx or a dead worker (attempts > 0) keeps its place at the head
    and holds its chat (and only its chat) until its retry time, so nothing overtakes it.
    A message that was never due yet (scheduled for later, e.g. out of quiet hours) holds
    nothing up: messages due before it go first.

    Walks the pending rows by due time (`ix_outbox_pending_not_before`) and probes each
    candidate's chat (`ix_outbox_pending_chat`, `ix_outbox_recipient_status`), so a claim
    reads about `limit` rows however many are waiting.
    """
    ahead = aliased(OutboxRow)
    busy = aliased(OutboxRow)
    same_chat = (ahead.channel == OutboxRow.channel, ahead.recipient == OutboxRow.recipient)
    something_ahead = exists().where(
        ahead.status == PENDING,
        *same_chat,
        ahead.id < OutboxRow.id,
        or_(ahead.not_before <= now, ahead.attempts > 0),
    )
    being_sent = exists().where(
        busy.channel == OutboxRow.channel,
        busy.recipient == OutboxRow.recipient,
        busy.status == "sending",
    )
    return (
        select(OutboxRow.id)
        .where(OutboxRow.status == PENDING, OutboxRow.not_before <= now)
        .where(~something_ahead, ~being_sent)
        .order_by(OutboxRow.not_before, OutboxRow.id)
    )


def insert_ignoring_conflicts(session: AsyncSession, table: Any):
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


async def set_reachable(
    session: AsyncSession,
    channel: Channel,
    recipient: str,
    *,
    reachable: bool,
    reason: str,
    now: datetime,
) -> None:
    if reachable:
        await session.execute(
            delete(UnreachableRecipientRow).where(
                UnreachableRecipientRow.channel == channel.value,
                UnreachableRecipientRow.recipient == recipient,
            )
        )
        return
    await session.execute(
        insert_ignoring_conflicts(session, UnreachableRecipientRow)
        .values(channel=channel.value, recipient=recipient, reason=reason, since=now)
        .on_conflict_do_nothing(index_elements=["channel", "recipient"])
    )


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(self, message: OutgoingMessage) -> bool:
        statement = insert_ignoring_conflicts(self._session, OutboxRow)
        result = await self._session.execute(
            statement.values(
                channel=message.channel.value,
                recipient=message.recipient,
                payload=payload_to_json(message.payload),
                idempotency_key=message.idempotency_key,
                status="pending",
                not_before=message.not_before,
                expires_at=message.expires_at,
                attempts=0,
                created_at=message.created_at,
            ).on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        return rowcount(result) == 1

    async def enqueue_many(self, messages: Sequence[OutgoingMessage]) -> int:
        if not messages:
            return 0
        statement = insert_ignoring_conflicts(self._session, OutboxRow.__table__)
        result = await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(
                OutboxRow.__table__.c.id
            ),
            [
                {
                    "channel": message.channel.value,
                    "recipient": message.recipient,
                    "payload": payload_to_json(message.payload),
                    "idempotency_key": message.idempotency_key,
                    "status": "pending",
                    "not_before": message.not_before,
                    "expires_at": message.expires_at,
                    "attempts": 0,
                    "created_at": message.created_at,
                }
                for message in messages
            ],
        )
        return len(result.all())

    async def cancel(self, idempotency_key: str) -> bool:
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.idempotency_key == idempotency_key, OutboxRow.status == "pending")
            .values(status="cancelled")
        )
        return rowcount(result) == 1

    async def set_reachable(
        self, channel: Channel, recipient: str, *, reachable: bool, reason: str, now: datetime
    ) -> None:
        await set_reachable(
            self._session, channel, recipient, reachable=reachable, reason=reason, now=now
        )


class SqlOutboxQueue:
    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._session_factory = session_factory
        self._settled_at: datetime | None = None

    async def claim(
        self, *, worker: str, limit: int, now: datetime, lease_seconds: float
    ) -> Sequence[ClaimedMessage]:
        async with self._session_factory() as session, session.begin():
            if (
                self._settled_at is None
                or not timedelta(0) <= now - self._settled_at < SETTLE_EVERY
            ):
                await self._settle_unsendable(session, now)
                self._settled_at = now
            candidates = await self._lock_candidates(session, limit, now)
            await self._fail_unreachable(session, [c for c in candidates if c.unreachable], now)
            ids = [c.id for c in candidates if not c.unreachable]
            if not ids:
                return []
            rows = await session.scalars(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids))
                .values(
                    status="sending",
                    claimed_by=worker,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=OutboxRow.attempts + 1,
                )
                .returning(OutboxRow)
                .execution_options(synchronize_session=False)
            )
            return [self._claimed(row) for row in rows]

    async def _settle_unsendable(self, session: AsyncSession, now: datetime) -> None:
        # A dead worker's claims go back to the queue once their lease has run out.
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == SENDING, OutboxRow.lease_until < now)
            .values(status="pending", claimed_by=None, lease_until=None)
        )
        # After downtime, what is past its send-by time is missed, not sent late.
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == PENDING, OutboxRow.expires_at < now)
            .values(status="missed", finished_at=now)
        )

    async def _fail_unreachable(
        self, session: AsyncSession, candidates: list[Row], now: datetime
    ) -> None:
        """Candidates to recipients who blocked the bot fail, with everything else pending
        for them (found among the candidates: a claim reads no more rows when many are
        waiting)."""
        for channel, recipient in {(c.channel, c.recipient) for c in candidates}:
            await session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.status == PENDING,
                    OutboxRow.channel == channel,
                    OutboxRow.recipient == recipient,
                )
                .values(status="failed", last_error="recipient unreachable", finished_at=now)
            )

    async def _lock_candidates(self, session: AsyncSession, limit: int, now: datetime) -> list[Row]:
        unreachable = exists().where(
            UnreachableRecipientRow.channel == OutboxRow.channel,
            UnreachableRecipientRow.recipient == OutboxRow.recipient,
        )
        query = (
            claimable(now)
            .add_columns(OutboxRow.channel, OutboxRow.recipient, unreachable.label("unreachable"))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxRow)
        return list((await session.execute(query)).all())

    async def renew(
        self, message_id: int, *, worker: str, now: datetime, lease_seconds: float
    ) -> bool:
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.id == message_id,
                    OutboxRow.status == "sending",
                    OutboxRow.claimed_by == worker,
                )
                .values(lease_until=now + timedelta(seconds=lease_seconds))
            )
            return rowcount(result) == 1

    async def mark_sent(
        self, message_id: int, *, sent_message_id: int | None, now: datetime
    ) -> None:
        await self._set(
            message_id,
            status="sent",
            sent_message_id=sent_message_id,
            finished_at=now,
            lease_until=None,
            last_error=None,
        )

    async def retry_later(self, message_id: int, *, not_before: datetime, error: str) -> None:
        await self._set(
            message_id, status="pending", not_before=not_before, last_error=error, lease_until=None
        )

    async def release(self, message_id: int, *, not_before: datetime) -> None:
        await self._set(
            message_id,
            status="pending",
            not_before=not_before,
            lease_until=None,
            attempts=OutboxRow.attempts - 1,
        )

    async def release_all(self, *, worker: str, now: datetime) -> int:
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.status == "sending", OutboxRow.claimed_by == worker)
                .values(
                    status="pending",
                    not_before=now,
                    lease_until=None,
                    claimed_by=None,
                    attempts=OutboxRow.attempts - 1,
                )
            )
            return rowcount(result)

    async def fail(self, message_id: int, *, error: str, now: datetime) -> None:
        await self._set(
            message_id, status="failed", last_error=error, finished_at=now, lease_until=None
        )

    async def mark_unreachable(
        self, channel: Channel, recipient: str, *, reason: str, now: datetime
    ) -> None:
        async with self._session_factory() as session, session.begin():
            await set_reachable(
                session, channel, recipient, reachable=False, reason=reason, now=now
            )

    async def purge_finished(self, *, older_than: datetime) -> int:
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                delete(OutboxRow).where(
                    OutboxRow.status.in_(("sent", "failed", "cancelled", "missed")),
                    OutboxRow.finished_at < older_than,
                )
            )
            return rowcount(result)

    async def _set(self, message_id: int, **values: Any) -> None:
        async with self._session_factory() as session, session.begin():
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == message_id).values(**values)
            )

    @staticmethod
    def _claimed(row: OutboxRow) -> ClaimedMessage:
        return ClaimedMessage(
            id=row.id,
            channel=Channel(row.channel),
            recipient=row.recipient,
            payload=payload_from_json(row.payload),
            attempts=row.attempts,
        )
