from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.invitations.model import Invitation, InvitationKind
from coachbot.storage.repositories._mapping import insert, rowcount, to_entity
from coachbot.storage.tables import InvitationRow

_UNUSED = (InvitationRow.used_at.is_(None), InvitationRow.revoked_at.is_(None))


class SqlInvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, invitation: Invitation) -> Invitation:
        return await insert(self._session, InvitationRow, invitation)

    async def get(self, invitation_id: int) -> Invitation | None:
        row = await self._session.get(InvitationRow, invitation_id)
        return self._entity(row) if row else None

    async def get_by_token_hash(self, token_hash: str) -> Invitation | None:
        row = await self._session.scalar(
            select(InvitationRow).where(InvitationRow.token_hash == token_hash)
        )
        return self._entity(row) if row else None

    async def list_active(self, *, created_by: int | None, now: datetime) -> Sequence[Invitation]:
        query = select(InvitationRow).where(*_UNUSED, InvitationRow.expires_at > now)
        if created_by is not None:
            query = query.where(InvitationRow.created_by == created_by)
        rows = await self._session.scalars(query.order_by(InvitationRow.created_at))
        return [self._entity(row) for row in rows]

    async def active_for_client(self, client_id: int, *, now: datetime) -> Sequence[Invitation]:
        rows = await self._session.scalars(
            select(InvitationRow).where(
                *_UNUSED, InvitationRow.expires_at > now, InvitationRow.client_id == client_id
            )
        )
        return [self._entity(row) for row in rows]

    async def mark_used(self, invitation_id: int, *, user_id: int, now: datetime) -> bool:
        # A conditional UPDATE is the single-use guarantee: of two concurrent accepts in
        # different processes only one sees a row count of 1.
        return await self._consume(invitation_id, used_at=now, used_by=user_id)

    async def mark_revoked(self, invitation_id: int, *, now: datetime) -> bool:
        return await self._consume(invitation_id, revoked_at=now)

    async def _consume(self, invitation_id: int, **values) -> bool:
        result = await self._session.execute(
            update(InvitationRow)
            .where(InvitationRow.id == invitation_id, *_UNUSED)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    @staticmethod
    def _entity(row: InvitationRow) -> Invitation:
        return to_entity(Invitation, row, kind=InvitationKind)
