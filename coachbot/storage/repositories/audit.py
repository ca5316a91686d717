from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.shared.audit import AuditEntry
from coachbot.storage.repositories._mapping import row_values, to_entity
from coachbot.storage.tables import AuditRow


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, entry: AuditEntry) -> None:
        self._session.add(AuditRow(**row_values(entry)))
        await self._session.flush()

    async def list_recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        rows = await self._session.scalars(
            select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        )
        return [to_entity(AuditEntry, row) for row in rows]
