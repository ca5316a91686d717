from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.model.goals import Goal, GoalCategory
from coachbot.storage.repositories._mapping import insert, to_entity
from coachbot.storage.tables import GoalRow


class SqlGoalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, goal: Goal) -> Goal:
        return await insert(self._session, GoalRow, goal)

    async def list_for_client(self, client_id: int) -> Sequence[Goal]:
        rows = await self._session.scalars(
            select(GoalRow).where(GoalRow.client_id == client_id).order_by(GoalRow.id)
        )
        return [to_entity(Goal, row, category=GoalCategory) for row in rows]
