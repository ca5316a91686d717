"""Setting a goal and its milestones: reading targets and dates as people type them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from coachbot.domain.forms.questions import InvalidAnswer, Question, QuestionKind
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.forms.use_cases import answer_context
from coachbot.domain.goals.evaluation import record_progress, suggested_milestones
from coachbot.domain.goals.model import (
    MAX_MILESTONES,
    Goal,
    GoalCategory,
    Milestone,
)
from coachbot.domain.goals.viewing import _goal_in_view
from coachbot.domain.people.model import User
from coachbot.domain.progress.errors import (
    InvalidMilestones,
    MetricNotFound,
    NotMeasurable,
)
from coachbot.domain.progress.metrics import (
    MetricDefinition,
    definition_of,
    definition_with,
    definitions_for,
)
from coachbot.domain.progress.pictures import local_today, visible_client
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound, InvalidDetailError
from coachbot.domain.shared.ports import UnitOfWorkFactory

REASON_MAX = 300


TARGET_DATE = Question(key="date", kind=QuestionKind.date, prompt={"en": ""}, future_only=True)


@dataclass(frozen=True, kw_only=True)
class AddGoal:
    """A coach sets a goal for a client: measured (`metric` and `target`, typed in the
    coach's units) or described (`description`)."""

    coach_id: int | None
    user_id: int
    client_id: int
    category: GoalCategory
    metric: str | None = None
    target: str | None = None
    target_date: str | None = None
    description: str = ""


class AddGoalUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AddGoal) -> Goal:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            if cmd.coach_id is None or client.coach_id != cmd.coach_id:
                raise ClientNotFound()  # clients propose changes; coaches set goals
            coach_user = await uow.users.get(cmd.user_id)
            assert coach_user is not None and client.id is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            goal = Goal(
                client_id=client.id,
                category=cmd.category,
                created_at=now,
                description=_description(cmd.description),
            )
            if cmd.metric:
                definition = definition_with(definitions_for(client.id, custom), cmd.metric)
                if definition is None:
                    raise MetricNotFound()
                goal.metric = definition.key
                goal.target_value = read_target(definition, cmd.target or "", coach_user, now)
                latest = await uow.metrics.list_for_client(client.id, definition.key)
                goal.start_value = latest[-1].value if latest else None
            if cmd.target_date:
                goal.target_date = read_date(cmd.target_date, coach_user, now)
            goal = await uow.goals.add(goal)
            await record_progress(uow, client, now)
            await uow.commit()
        return goal


def _description(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > REASON_MAX:
        raise InvalidDetailError("description", "too_long")
    return text


def read_target(definition: MetricDefinition, text: str, user: User, now: datetime) -> float:
    """A target typed in the person's units; raises `InvalidAnswer`."""
    return definition.read(text, answer_context(user, local_today(now, user.timezone)))


def read_date(text: str, user: User, now: datetime) -> date:
    """A target date, today or later; raises `InvalidAnswer` (explained as `TARGET_DATE`)."""
    context = answer_context(user, local_today(now, user.timezone))
    return date.fromisoformat(TARGET_DATE.read(text, context))


@dataclass(frozen=True, kw_only=True)
class SetMilestones:
    """`values` as typed ("77, 75, 72.5") in the person's units; empty: the suggestion."""

    user_id: int
    coach_id: int | None = None
    goal_id: int
    values: str = ""


class SetMilestonesUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: SetMilestones) -> list[Milestone]:
        now = self._clock.now()
        async with self._uow() as uow:
            goal, client = await _goal_in_view(
                uow, cmd.goal_id, user_id=cmd.user_id, coach_id=cmd.coach_id
            )
            user = await uow.users.get(cmd.user_id)
            assert user is not None and goal.id is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            definition = definition_of(goal.metric, custom)
            if definition is None or goal.start_value is None or goal.target_value is None:
                raise NotMeasurable()
            units = UnitSystem(user.units)
            if cmd.values.strip():
                values = _milestone_values(goal, definition, cmd.values, user, now)
            else:
                values = suggested_milestones(goal, definition, units)
            await uow.goals.replace_milestones(goal.id, values)
            await record_progress(uow, client, now)
            milestones = list(await uow.goals.list_milestones(goal.id))
            await uow.commit()
        return milestones


def _milestone_values(
    goal: Goal, definition: MetricDefinition, text: str, user: User, now: datetime
) -> list[float]:
    parts = [part for part in text.replace(";", " ").split() if part.strip(",")]
    if len(parts) > MAX_MILESTONES:
        raise InvalidMilestones("too_many")
    values = []
    for part in parts:
        try:
            values.append(read_target(definition, part.strip(","), user, now))
        except InvalidAnswer:
            raise InvalidMilestones("not_a_number") from None
    start, target = goal.start_value or 0.0, goal.target_value or 0.0
    low, high = sorted((start, target))
    if any(not low < v < high for v in values):
        raise InvalidMilestones("outside")
    return sorted(set(values), reverse=target < start)
