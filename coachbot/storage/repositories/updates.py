"""The update ledger: which Telegram updates were claimed and finished.

A claim is a row insert, so across processes exactly one wins. A claim that never
finished (the process died mid-update) is taken over after its lease, so a crash never
loses an update that Telegram redelivers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from coachbot.domain.shared.ports import UpdateClaim
from coachbot.storage.tables import ProcessedUpdateRow

# Built once, as Core statements: every update claims and finishes, and building the
# statements (or flushing an ORM object) cost more than running them on SQLite.
_LEDGER = cast(Table, ProcessedUpdateRow.__table__)
_CLAIM = insert(_LEDGER).values(update_id=bindparam("uid"), claimed_at=bindparam("at"))
_FINISH = (
    update(_LEDGER)
    .where(_LEDGER.c.update_id == bindparam("uid"))
    .values(finished_at=bindparam("at"))
)


class SqlUpdateLedger:
    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._session_factory = session_factory

    async def claim(self, update_id: int, *, now: datetime, lease_seconds: float) -> UpdateClaim:
        async with self._session_factory() as session:
            try:
                async with session.begin():
                    await session.execute(_CLAIM, {"uid": update_id, "at": now})
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
            await session.execute(_FINISH, {"uid": update_id, "at": now})

    async def release(self, update_id: int) -> None:
        async with self._session_factory() as session, session.begin():
            await session.execute(
                delete(ProcessedUpdateRow).where(
                    ProcessedUpdateRow.update_id == update_id,
                    ProcessedUpdateRow.finished_at.is_(None),
                )
            )

    async def prune(self, *, older_than: datetime) -> int:
        async with self._session_factory() as session, session.begin():
            result = await session.execute(
                delete(ProcessedUpdateRow).where(ProcessedUpdateRow.claimed_at < older_than)
            )
            return result.rowcount
