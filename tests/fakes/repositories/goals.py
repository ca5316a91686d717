"""Goals, milestones and goal changes, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from coachbot.domain.goals.model import Goal, GoalChange, GoalStatus, Milestone
from tests.fakes.database import FakeDatabase


class FakeGoals:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._table = db.goals

    async def add(self, goal: Goal) -> Goal:
        self._db.bump_data_versions(lambda c: c.id == goal.client_id)
        return self._table.insert(goal)

    async def list_for_client(self, client_id: int) -> Sequence[Goal]:
        return self._table.select(lambda g: g.client_id == client_id)

    async def get(self, goal_id: int) -> Goal | None:
        return self._table.get(goal_id)

    async def update(self, goal: Goal) -> None:
        self._db.bump_data_versions(lambda c: c.id == goal.client_id)
        self._table.update(goal)

    async def overdue(self, *, before: date, limit: int) -> Sequence[Goal]:
        return self._table.select(
            lambda g: (
                g.status == GoalStatus.active
                and g.target_date is not None
                and g.target_date < before
                and not g.overdue_flagged
            ),
            order=lambda g: (g.target_date, g.id),
            limit=limit,
        )

    async def mark_overdue_flagged(self, goals: Sequence[Goal]) -> None:
        for goal in goals:
            stored = self._table.get(goal.id)
            assert stored is not None
            stored.overdue_flagged_for = goal.target_date
            self._table.update(stored, fields=("overdue_flagged_for",))

    async def list_milestones(self, goal_id: int) -> Sequence[Milestone]:
        return self._db.milestones.select(lambda m: m.goal_id == goal_id, order=_position)

    async def replace_milestones(self, goal_id: int, values: Sequence[float]) -> None:
        old = await self.list_milestones(goal_id)
        reached = {m.value: m.reached_at for m in old}
        for milestone in old:
            self._db.milestones.delete(milestone.id)  # type: ignore[arg-type]
        for position, value in enumerate(values, start=1):
            self._db.milestones.insert(
                Milestone(goal_id, position, value, reached_at=reached.get(value))
            )

    async def mark_milestone_reached(self, milestone_id: int, *, at: datetime) -> bool:
        milestone = self._db.milestones.get(milestone_id)
        if milestone is None or milestone.reached_at is not None:
            return False
        milestone.reached_at = at
        return self._db.milestones.update(milestone, fields=("reached_at",))

    async def add_change(self, change: GoalChange) -> GoalChange:
        return self._db.goal_changes.insert(change)

    async def get_change(self, change_id: int) -> GoalChange | None:
        return self._db.goal_changes.get(change_id)

    async def save_change(self, change: GoalChange) -> None:
        self._db.goal_changes.update(change)

    async def list_changes(self, goal_id: int) -> Sequence[GoalChange]:
        return self._db.goal_changes.select(
            lambda c: c.goal_id == goal_id, order=lambda c: (c.created_at, c.id)
        )


def _position(milestone: Milestone) -> int:
    return milestone.position
