"""Showing a client's goals with their progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.goals.model import (
    Goal,
    GoalChange,
    GoalStatus,
)
from coachbot.domain.people.model import Client, User
from coachbot.domain.progress import trends
from coachbot.domain.progress.errors import (
    GoalNotFound,
)
from coachbot.domain.progress.metrics import (
    MetricDefinition,
    definition_of,
    definitions_for,
)
from coachbot.domain.progress.pictures import by_metric, local_today, visible_client
from coachbot.domain.progress.views import GoalProgress
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class GoalCard:
    progress: GoalProgress
    history: list[GoalChange]  # oldest first

    @property
    def pending(self) -> GoalChange | None:
        """The client's proposal waiting for the coach, if there is one."""
        return next((c for c in reversed(self.history) if c.pending), None)


@dataclass(frozen=True)
class GoalsView:
    client: Client
    client_user: User | None
    viewer: User
    goals: list[GoalCard]
    definitions: list[MetricDefinition]  # what a new goal can be measured in


@dataclass(frozen=True, kw_only=True)
class ShowGoals:
    user_id: int
    coach_id: int | None = None
    client_id: int | None = None


class ShowGoalsUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ShowGoals) -> GoalsView:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            viewer = await uow.users.get(cmd.user_id)
            client_user = await uow.users.get(client.user_id) if client.user_id else None
            assert viewer is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            timezone = (client_user or viewer).timezone
            entries = by_metric(await uow.metrics.list_all(client.id or 0))
            cards = [
                await goal_card(
                    uow, goal, entries.get(goal.metric or "", []), custom, now, timezone
                )
                for goal in await uow.goals.list_for_client(client.id or 0)
                if goal.status != GoalStatus.closed
            ]
        return GoalsView(
            client, client_user, viewer, cards, definitions_for(client.id or 0, custom)
        )


async def goal_progress(
    uow: UnitOfWork,
    goal: Goal,
    entries: Sequence[MetricEntry],
    custom: list,
    now: datetime,
    timezone: str,
) -> GoalProgress:
    """`entries`: the goal's metric, oldest first (none for a goal without one)."""
    definition = definition_of(goal.metric, custom)
    current, projected = None, None
    if goal.metric and entries:
        points = [(e.measured_at, e.value) for e in entries]
        current = points[-1][1]
        if goal.active and goal.target_value is not None:
            average = trends.moving_average(points)
            line = trends.projection(average, trends.weekly_rate(points, now), goal.target_value)
            projected = line[1][0] if line is not None else None
    fraction = goal.progress(current) if current is not None else None
    milestones = tuple(await uow.goals.list_milestones(goal.id or 0))
    overdue = goal.overdue(local_today(now, timezone))
    return GoalProgress(goal, definition, current, fraction, milestones, overdue, projected)


async def goal_card(
    uow: UnitOfWork,
    goal: Goal,
    entries: Sequence[MetricEntry],
    custom: list,
    now: datetime,
    timezone: str,
) -> GoalCard:
    history = list(await uow.goals.list_changes(goal.id or 0))
    return GoalCard(await goal_progress(uow, goal, entries, custom, now, timezone), history)


async def _goal_in_view(
    uow: UnitOfWork, goal_id: int, *, user_id: int, coach_id: int | None
) -> tuple[Goal, Client]:
    goal = await uow.goals.get(goal_id)
    if goal is None:
        raise GoalNotFound()
    try:
        client = await visible_client(
            uow, user_id=user_id, coach_id=coach_id, client_id=goal.client_id
        )
    except ClientNotFound:
        raise GoalNotFound() from None
    return goal, client
