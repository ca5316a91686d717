"""The update ledger: which Telegram updates were claimed and finished.

A claim is a row insert, so across processes exactly one wins. A claim that never
finished (the process died mid-update) is taken over after its lease, so a crash never
loses an update that Telegram redelivers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from coachbot.domain.ports import UpdateClaim
from coachbot.storage.tables import ProcessedUpdateRow


class SqlUpdateLedger:
    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._session_factory = session_factory

    async def claim(self, update_id: int, *, now: datetime, lease_seconds: float) -> UpdateClaim:
        async with self._session_factory() as session:
            try:
                async with session.begin():
                    session.add(ProcessedUpdateRow(update_id=update_id, claimed_at=now))
                return UpdateClaim.claimed
            except IntegrityError:
                pass
        return await self._take_over_abandoned(update_id, now, lease_seconds)

    async def _take_over_abandoned(
        self, update_id: int, now: datetime, lease_seconds: float
    ) -> UpdateClaim:
        stale_before = now - timedelta(seconds=lease_seconds)
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                update(ProcessedUpdateRow)
                .where(
                    ProcessedUpdateRow.update_id == update_id,
                    ProcessedUpdateRow.finished_at.is_(None),
                    ProcessedUpdateRow.claimed_at < stale_before,
                )
                .values(claimed_at=now)
            )
            if result.rowcount == 1:
                return UpdateClaim.claimed
            finished = await session.scalar(
                select(ProcessedUpdateRow.finished_at).where(
                    ProcessedUpdateRow.update_id == update_id
                )
            )
        return UpdateClaim.done if finished is not None else UpdateClaim.busy

    async def finish(self, update_id: int, *, now: datetime) -> None:
        async with self._session_factory() as session, session.begin():
            await session.execute(
                update(ProcessedUpdateRow)
                .where(ProcessedUpdateRow.update_id == update_id)
                .values(finished_at=now)
            )

    async def prune(self, *, older_than: datetime) -> int:
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                delete(ProcessedUpdateRow).where(ProcessedUpdateRow.claimed_at < older_than)
            )
            return result.rowcount


class MemoryUpdateLedger:
    """The ledger of a polling bot, in this process's memory.

    Only one process can poll a bot (Telegram refuses a second getUpdates), and aiogram
    confirms a batch (the next getUpdates offset) as it starts handling it, so Telegram
    never hands a polling bot an update again after a restart: duplicates can only
    arrive while this process runs. Remembering the latest ids here gives the same
    guarantee as the database ledger, without two writes per update. Webhook mode, where
    several processes share the deliveries, uses `SqlUpdateLedger`.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._finished: dict[int, bool] = {}  # update id -> finished; insertion ordered

    async def claim(self, update_id: int, *, now: datetime, lease_seconds: float) -> UpdateClaim:
        if update_id in self._finished:
            return UpdateClaim.done if self._finished[update_id] else UpdateClaim.busy
        self._finished[update_id] = False
        if len(self._finished) > self._capacity:
            del self._finished[next(iter(self._finished))]
        return UpdateClaim.claimed

    async def finish(self, update_id: int, *, now: datetime) -> None:
        if update_id in self._finished:
            self._finished[update_id] = True

    async def prune(self, *, older_than: datetime) -> int:
        return 0  # bounded by capacity instead
