from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.storage.repositories.outbox import insert_ignoring_conflicts
from coachbot.storage.tables import ConsentRow


class SqlConsentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, *, user_id: int, document: str, version: str, at: datetime) -> None:
        await self._session.execute(
            insert_ignoring_conflicts(self._session, ConsentRow)
            .values(user_id=user_id, document=document, version=version, accepted_at=at)
            .on_conflict_do_nothing(index_elements=["user_id", "document", "version"])
        )

    async def has(self, *, user_id: int, document: str, version: str) -> bool:
        found = await self._session.scalar(
            select(ConsentRow.id).where(
                ConsentRow.user_id == user_id,
                ConsentRow.document == document,
                ConsentRow.version == version,
            )
        )
        return found is not None
