from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.goals.model import (
    ChangeStatus,
    Goal,
    GoalCategory,
    GoalChange,
    GoalStatus,
    Milestone,
)
from coachbot.storage.repositories._mapping import insert, rowcount, to_entity, update_row
from coachbot.storage.repositories.people import bump_data_version
from coachbot.storage.tables import (
    GOALS_OVERDUE_UNFLAGGED,
    GoalChangeRow,
    GoalMilestoneRow,
    GoalRow,
)

# As text, the very predicate of the partial index (SQLite uses it only then).
OVERDUE_UNFLAGGED = text(GOALS_OVERDUE_UNFLAGGED)


class SqlGoalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, goal: Goal) -> Goal:
        await bump_data_version(self._session, goal.client_id)
        return await insert(self._session, GoalRow, goal)

    async def list_for_client(self, client_id: int) -> Sequence[Goal]:
        rows = await self._session.scalars(
            select(GoalRow).where(GoalRow.client_id == client_id).order_by(GoalRow.id)
        )
        return [_goal(row) for row in rows]

    async def get(self, goal_id: int) -> Goal | None:
        row = await self._session.get(GoalRow, goal_id)
        return _goal(row) if row else None

    async def update(self, goal: Goal) -> None:
        await bump_data_version(self._session, goal.client_id)
        await update_row(self._session, GoalRow, goal)

    async def overdue(self, *, before: date, limit: int) -> Sequence[Goal]:
        rows = await self._session.scalars(
            select(GoalRow)
            .where(OVERDUE_UNFLAGGED, GoalRow.target_date < before)
            .order_by(GoalRow.target_date, GoalRow.id)
            .limit(limit)
        )
        return [_goal(row) for row in rows]

    async def mark_overdue_flagged(self, goals: Sequence[Goal]) -> None:
        if goals:
            await self._session.execute(
                update(GoalRow),
                [{"id": goal.id, "overdue_flagged_for": goal.target_date} for goal in goals],
            )

    # -- milestones ------------------------------------------------------------------

    async def list_milestones(self, goal_id: int) -> Sequence[Milestone]:
        rows = await self._session.scalars(
            select(GoalMilestoneRow)
            .where(GoalMilestoneRow.goal_id == goal_id)
            .order_by(GoalMilestoneRow.position)
        )
        return [to_entity(Milestone, row) for row in rows]

    async def replace_milestones(self, goal_id: int, values: Sequence[float]) -> None:
        reached = {m.value: m.reached_at for m in await self.list_milestones(goal_id)}
        await self._session.execute(
            delete(GoalMilestoneRow).where(GoalMilestoneRow.goal_id == goal_id)
        )
        await self._session.flush()
        self._session.add_all(
            GoalMilestoneRow(
                goal_id=goal_id, position=position, value=value, reached_at=reached.get(value)
            )
            for position, value in enumerate(values, start=1)
        )
        await self._session.flush()

    async def mark_milestone_reached(self, milestone_id: int, *, at: datetime) -> bool:
        result = await self._session.execute(
            update(GoalMilestoneRow)
            .where(GoalMilestoneRow.id == milestone_id, GoalMilestoneRow.reached_at.is_(None))
            .values(reached_at=at)
        )
        return rowcount(result) == 1

    # -- changes ---------------------------------------------------------------------

    async def add_change(self, change: GoalChange) -> GoalChange:
        return await insert(self._session, GoalChangeRow, change)

    async def get_change(self, change_id: int) -> GoalChange | None:
        row = await self._session.get(GoalChangeRow, change_id)
        return _change(row) if row else None

    async def save_change(self, change: GoalChange) -> None:
        await update_row(self._session, GoalChangeRow, change)

    async def list_changes(self, goal_id: int) -> Sequence[GoalChange]:
        rows = await self._session.scalars(
            select(GoalChangeRow)
            .where(GoalChangeRow.goal_id == goal_id)
            .order_by(GoalChangeRow.created_at, GoalChangeRow.id)
        )
        return [_change(row) for row in rows]


def _goal(row: GoalRow) -> Goal:
    return to_entity(Goal, row, category=GoalCategory, status=GoalStatus)


def _change(row: GoalChangeRow) -> GoalChange:
    return to_entity(GoalChange, row, status=ChangeStatus)
