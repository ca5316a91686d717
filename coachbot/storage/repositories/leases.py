"""Named leases in the database: one holder at a time, taken over once expired."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from coachbot.storage.repositories.outbox import insert_ignoring_conflicts
from coachbot.storage.tables import LeaseRow


class SqlLeases:
    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._session_factory = session_factory

    async def acquire(self, name: str, *, holder: str, now: datetime, ttl_seconds: float) -> bool:
        """Take or renew the lease; False while another holder's lease runs."""
        expires_at = now + timedelta(seconds=ttl_seconds)
        async with self._session_factory() as session, session.begin():
            created = await session.execute(
                insert_ignoring_conflicts(session, LeaseRow)
                .values(name=name, holder=holder, expires_at=expires_at)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            if created.rowcount == 1:
                return True
            renewed = await session.execute(
                update(LeaseRow)
                .where(
                    LeaseRow.name == name,
                    or_(LeaseRow.holder == holder, LeaseRow.expires_at < now),
                )
                .values(holder=holder, expires_at=expires_at)
            )
            return renewed.rowcount == 1

    async def release(self, name: str, *, holder: str) -> None:
        async with self._session_factory() as session, session.begin():
            await session.execute(
                delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder)
            )
