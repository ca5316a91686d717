"""Goals and what they lead to: milestones reached, goals achieved, badges earned, and
changes to a goal proposed by the client and decided by the coach.

`record_progress` runs whenever measurements arrive (a `/log`, a check-in): it marks
milestones reached (a row update that only one caller can win), stores achievements
(unique per client) and writes the celebrations to the outbox with idempotency keys, so
each is sent once even when a handler or tick runs twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.clock import Clock
from coachbot.domain.errors import ClientNotFound, DomainError, InvalidDetailError
from coachbot.domain.forms.questions import InvalidAnswer, Question, QuestionKind
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.model import Client, User
from coachbot.domain.model.goals import (
    MAX_MILESTONES,
    Achievement,
    ChangeStatus,
    Goal,
    GoalCategory,
    GoalChange,
    GoalStatus,
    Milestone,
    suggest_milestones,
)
from coachbot.domain.ports import UnitOfWork
from coachbot.domain.progress import trends
from coachbot.domain.progress.errors import (
    GoalChangeNotFound,
    GoalNotFound,
    InvalidMilestones,
    MetricNotFound,
    NotMeasurable,
)
from coachbot.domain.progress.metrics import (
    MetricDefinition,
    definition_of,
    definition_with,
    definitions_for,
    metric_params,
)
from coachbot.domain.progress.views import GoalProgress
from coachbot.domain.services.forms import answer_context
from coachbot.domain.services.notices import notice_for, send_time
from coachbot.domain.services.onboarding import ASSESSMENT
from coachbot.domain.services.progress import by_metric, local_today, visible_client

START_WINDOW = timedelta(days=14)  # a measurement this recent when a goal is set is its start
STREAKS = (4, 8, 12, 26, 52)  # check-ins in a row
WEIGHT_STEPS_KG = (5, 10, 20)  # the first 5 kg, 10 kg, 20 kg towards the goal
RECENT_CHECKINS = 60
OVERDUE_BATCH = 200
REASON_MAX = 300
TARGET_DATE = Question(key="date", kind=QuestionKind.date, prompt={"en": ""}, future_only=True)


class ChangePending(DomainError):
    """A proposal for this goal is already waiting for the coach."""


# -- the outbox ------------------------------------------------------------------------


@dataclass
class _People:
    """The client's and the coach's accounts, loaded once per evaluation."""

    client: Client
    client_user: User | None
    coach_user: User | None

    @classmethod
    async def load(cls, uow: UnitOfWork, client: Client) -> _People:
        client_user = await uow.users.get(client.user_id) if client.user_id else None
        coach = await uow.coaches.get(client.coach_id)
        coach_user = await uow.users.get(coach.user_id) if coach else None
        return cls(client, client_user, coach_user)

    async def both(
        self,
        uow: UnitOfWork,
        name: str,
        params: dict[str, Any],
        *,
        key: str,
        now: datetime,
    ) -> None:
        """The client's celebration and the coach's `<name>_note`."""
        if self.client_user is not None:
            own = {**params, "name": self.client_user.call_name, "units": self.client_user.units}
            await uow.outbox.enqueue(
                notice_for(self.client_user, name, own, key=f"{key}:client", now=now)
            )
        if self.coach_user is not None:
            note = {
                **params,
                "client": self.client.display_name,
                "client_id": self.client.id,
                "units": self.coach_user.units,
            }
            await uow.outbox.enqueue(
                notice_for(self.coach_user, f"{name}_note", note, key=f"{key}:coach", now=now)
            )


# -- evaluating progress ---------------------------------------------------------------


async def record_progress(
    uow: UnitOfWork, client: Client, now: datetime, *, checkin: bool = False
) -> None:
    """New measurements arrived (and, with `checkin`, a check-in was submitted)."""
    assert client.id is not None
    people = await _People.load(uow, client)
    custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
    units = UnitSystem(people.client_user.units) if people.client_user else UnitSystem.metric
    goals = list(await uow.goals.list_for_client(client.id))
    entries = by_metric(await uow.metrics.list_all(client.id))
    for goal in goals:
        if goal.active and goal.measurable:
            await _evaluate_goal(
                uow, people, goal, entries.get(goal.metric or "", []), custom, units, now
            )
    if entries:  # kept in /achievements without a message: the reply to the entry says enough
        await _achieve(uow, people, "first_entry", {}, now, announce=False)
    await _weight_badges(uow, people, goals, entries.get(Metric.weight.value, []), now)
    if checkin:
        await _streak_badges(uow, people, now)


async def _evaluate_goal(
    uow: UnitOfWork,
    people: _People,
    goal: Goal,
    entries: Sequence[MetricEntry],
    custom: list,
    units: UnitSystem,
    now: datetime,
) -> None:
    """`entries`: the goal's metric, oldest first."""
    assert goal.id is not None and goal.metric is not None and goal.target_value is not None
    if not entries:
        return
    definition = definition_of(goal.metric, custom)
    if goal.start_value is None:
        goal.start_value = await _start_value(uow, people, goal, entries)
        await uow.goals.update(goal)
    milestones = list(await uow.goals.list_milestones(goal.id))
    if not milestones and definition is not None:
        values = suggested_milestones(goal, definition, units)
        await uow.goals.replace_milestones(goal.id, values)
        milestones = list(await uow.goals.list_milestones(goal.id))
    current = entries[-1].value
    params = metric_params(definition) | {"target": goal.target_value, "goal_id": goal.id}
    for milestone in milestones:
        if milestone.reached_at is not None or not goal.reaches(current, milestone.value):
            continue
        if await uow.goals.mark_milestone_reached(milestone.id or 0, at=now):
            fraction = goal.progress(milestone.value) or 0.0
            details = {"value": milestone.value, "percent": round(fraction * 100)}
            await people.both(
                uow, "milestone_reached", params | details, key=f"milestone:{milestone.id}", now=now
            )
    if goal.reaches(current, goal.target_value):
        goal.status = GoalStatus.achieved
        goal.achieved_at = now
        await uow.goals.update(goal)
        await uow.achievements.add(
            Achievement(goal.client_id, f"goal:{goal.id}", now, params | {"value": current})
        )
        await people.both(
            uow, "goal_reached", params | {"value": current}, key=f"goal-reached:{goal.id}", now=now
        )


async def _start_value(
    uow: UnitOfWork, people: _People, goal: Goal, entries: Sequence[MetricEntry]
) -> float:
    """Where the way to the goal starts: the last measurement of the two weeks before it
    was set, else the initial assessment's, else the first measurement after."""
    before = [
        e for e in entries if goal.created_at - START_WINDOW <= e.measured_at <= goal.created_at
    ]
    if before:
        return before[-1].value
    user = people.client_user
    if user is not None and user.id is not None:
        answers = await uow.forms.completed_answers(user_id=user.id, purpose=ASSESSMENT) or {}
        if isinstance(answers.get(goal.metric or ""), int | float):
            return float(answers[goal.metric or ""])
    after = [e for e in entries if e.measured_at >= goal.created_at]
    return (after or list(entries))[0].value


def suggested_milestones(
    goal: Goal, definition: MetricDefinition, units: UnitSystem
) -> list[float]:
    """Every quarter of the way, rounded in the client's units (75 kg, 165 lb)."""
    if goal.start_value is None or goal.target_value is None:
        return []
    start = definition.shown(goal.start_value, units)
    target = definition.shown(goal.target_value, units)
    decimals = 1 if abs(target - start) < 20 else 0
    return [definition.stored(v, units) for v in suggest_milestones(start, target, decimals)]


async def _achieve(
    uow: UnitOfWork,
    people: _People,
    key: str,
    details: dict[str, Any],
    now: datetime,
    *,
    announce: bool = True,
) -> None:
    """Store the badge once; unless it is a small one (not `announce`), celebrate it."""
    client_id = people.client.id or 0
    if await uow.achievements.add(Achievement(client_id, key, now, details)) and announce:
        params = {"key": key, **details}
        await people.both(uow, "achievement", params, key=f"achievement:{client_id}:{key}", now=now)


async def _weight_badges(
    uow: UnitOfWork,
    people: _People,
    goals: Sequence[Goal],
    entries: Sequence[MetricEntry],
    now: datetime,
) -> None:
    """The first 5, 10, 20 kg towards the client's weight goal (down when there is none);
    `entries`: their weights, oldest first."""
    if len(entries) < 2:
        return
    weight_goals = [g for g in goals if g.metric == Metric.weight.value]
    goal = weight_goals[-1] if weight_goals else None
    gaining = bool(
        goal and goal.target_value is not None and goal.target_value > (goal.start_value or 0)
    )
    change = entries[-1].value - entries[0].value
    towards = change if gaining else -change
    for step in WEIGHT_STEPS_KG:
        if towards >= step:
            details = {"metric": "weight", "amount": step, "gaining": gaining}
            await _achieve(uow, people, f"change:weight:{step}", details, now)


async def _streak_badges(uow: UnitOfWork, people: _People, now: datetime) -> None:
    streak = await checkin_streak(uow, people.client.id or 0)
    for length in STREAKS:
        if streak >= length:
            await _achieve(uow, people, f"streak:{length}", {"checkins": length}, now)


async def checkin_streak(uow: UnitOfWork, client_id: int) -> int:
    """Check-ins submitted in a row, up to the latest (one still open does not count)."""
    streak = 0
    for checkin in await uow.checkins.recent_for_client(client_id, limit=RECENT_CHECKINS):
        if checkin.submitted_at is not None:
            streak += 1
        elif checkin.answerable and checkin.missed_at is None and streak == 0:
            continue  # the current one, not due long enough to count as missed
        else:
            break
    return streak


# -- viewing goals ---------------------------------------------------------------------


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
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ShowGoals) -> GoalsView:
        now = self._clock.now()
        async with self._uow as uow:
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


# -- setting goals ---------------------------------------------------------------------


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
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AddGoal) -> Goal:
        now = self._clock.now()
        async with self._uow as uow:
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


# -- milestones ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetMilestones:
    """`values` as typed ("77, 75, 72.5") in the person's units; empty: the suggestion."""

    user_id: int
    coach_id: int | None = None
    goal_id: int
    values: str = ""


class SetMilestonesUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: SetMilestones) -> list[Milestone]:
        now = self._clock.now()
        async with self._uow as uow:
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


# -- changing goals --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProposeGoalChange:
    """The client asks for another target and/or date; the coach decides."""

    user_id: int
    goal_id: int
    target: str | None = None
    target_date: str | None = None
    reason: str = ""


class ProposeGoalChangeUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ProposeGoalChange) -> GoalChange:
        now = self._clock.now()
        async with self._uow as uow:
            goal, client = await _goal_in_view(uow, cmd.goal_id, user_id=cmd.user_id, coach_id=None)
            if client.user_id != cmd.user_id or not goal.active:
                raise GoalNotFound()
            if any(c.pending for c in await uow.goals.list_changes(goal.id or 0)):
                raise ChangePending()
            user = await uow.users.get(cmd.user_id)
            assert user is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            change = _change_of(goal, cmd.target, cmd.target_date, user, custom, now)
            change.requested_by, change.reason = cmd.user_id, _description(cmd.reason)
            change = await uow.goals.add_change(change)
            people = await _People.load(uow, client)
            if people.coach_user is not None:
                params = _change_params(change, goal, custom) | {
                    "client": client.display_name,
                    "client_id": client.id,
                    "units": people.coach_user.units,
                }
                await uow.outbox.enqueue(
                    notice_for(
                        people.coach_user,
                        "goal_change_proposed",
                        params,
                        key=f"goal-change:{change.id}:proposed",
                        now=now,
                    )
                )
            await uow.commit()
        return change


def _change_of(
    goal: Goal,
    target: str | None,
    target_date: str | None,
    user: User,
    custom: list,
    now: datetime,
) -> GoalChange:
    """The change from the goal as it is to the values typed (None keeps one)."""
    new_target = goal.target_value
    if target:
        definition = definition_of(goal.metric, custom)
        if definition is None:
            raise NotMeasurable()
        new_target = read_target(definition, target, user, now)
    new_date = read_date(target_date, user, now) if target_date else goal.target_date
    return GoalChange(
        goal_id=goal.id or 0,
        requested_by=user.id,
        by_coach=False,
        status=ChangeStatus.proposed,
        created_at=now,
        old_target=goal.target_value,
        old_date=goal.target_date,
        new_target=new_target,
        new_date=new_date,
    )


def _change_params(change: GoalChange, goal: Goal, custom: list) -> dict[str, Any]:
    definition = definition_of(goal.metric, custom)
    return metric_params(definition) | {
        "change_id": change.id,
        "goal_id": goal.id,
        "description": goal.description,
        "old_target": change.old_target,
        "new_target": change.new_target,
        "old_date": change.old_date.isoformat() if change.old_date else None,
        "new_date": change.new_date.isoformat() if change.new_date else None,
        "reason": change.reason,
        "status": change.status.value,
    }


@dataclass(frozen=True, kw_only=True)
class DecideGoalChange:
    """The coach approves (optionally with other values: edited) or declines."""

    coach_id: int | None
    user_id: int
    change_id: int
    approve: bool
    target: str | None = None  # the coach's own values instead of the proposed ones
    target_date: str | None = None


@dataclass(frozen=True)
class GoalChangeDecided:
    change: GoalChange
    now: bool  # False: it had been decided before (a second tap changes nothing)


class DecideGoalChangeUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: DecideGoalChange) -> GoalChangeDecided:
        now = self._clock.now()
        async with self._uow as uow:
            change = await uow.goals.get_change(cmd.change_id)
            if change is None or cmd.coach_id is None:
                raise GoalChangeNotFound()
            goal = await uow.goals.get(change.goal_id)
            client = await uow.clients.get(goal.client_id) if goal else None
            if goal is None or client is None or client.coach_id != cmd.coach_id:
                raise GoalChangeNotFound()
            if not change.pending:
                return GoalChangeDecided(change, now=False)
            coach_user = await uow.users.get(cmd.user_id)
            assert coach_user is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            if cmd.approve and (cmd.target or cmd.target_date):
                edited = _change_of(goal, cmd.target, cmd.target_date, coach_user, custom, now)
                change.new_target, change.new_date = edited.new_target, edited.new_date
                change.status = ChangeStatus.edited
            else:
                change.status = ChangeStatus.approved if cmd.approve else ChangeStatus.declined
            change.decided_by, change.decided_at = cmd.user_id, now
            await uow.goals.save_change(change)
            if cmd.approve:
                await _apply(uow, goal, change, client, custom)
            await _tell_client(uow, client, change, goal, custom, "goal_change_decided", now)
            await uow.commit()
        return GoalChangeDecided(change, now=True)


@dataclass(frozen=True, kw_only=True)
class EditGoal:
    """The coach changes a goal directly (kept in its history like a decided proposal),
    or closes it."""

    coach_id: int | None
    user_id: int
    goal_id: int
    target: str | None = None
    target_date: str | None = None
    close: bool = False


class EditGoalUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: EditGoal) -> Goal:
        now = self._clock.now()
        async with self._uow as uow:
            goal, client = await _goal_in_view(
                uow, cmd.goal_id, user_id=cmd.user_id, coach_id=cmd.coach_id
            )
            if cmd.coach_id is None or client.coach_id != cmd.coach_id:
                raise GoalNotFound()
            if cmd.close:
                goal.status = GoalStatus.closed
                await uow.goals.update(goal)
                await uow.commit()
                return goal
            coach_user = await uow.users.get(cmd.user_id)
            assert coach_user is not None
            custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
            change = _change_of(goal, cmd.target, cmd.target_date, coach_user, custom, now)
            change = replace(
                change,
                requested_by=cmd.user_id,
                by_coach=True,
                status=ChangeStatus.applied,
                decided_by=cmd.user_id,
                decided_at=now,
            )
            change = await uow.goals.add_change(change)
            await _apply(uow, goal, change, client, custom)
            await _tell_client(uow, client, change, goal, custom, "goal_changed", now)
            await uow.commit()
        return goal


async def _apply(
    uow: UnitOfWork, goal: Goal, change: GoalChange, client: Client, custom: list
) -> None:
    """New target or date; milestones re-suggested for a new target (reached ones that
    keep their value stay reached)."""
    target_moved = change.new_target != goal.target_value
    goal.target_value, goal.target_date = change.new_target, change.new_date
    if goal.status == GoalStatus.achieved and target_moved:
        goal.status, goal.achieved_at = GoalStatus.active, None
    await uow.goals.update(goal)
    definition = definition_of(goal.metric, custom)
    if target_moved and definition is not None and goal.id is not None:
        client_user = await uow.users.get(client.user_id) if client.user_id else None
        units = UnitSystem(client_user.units) if client_user else UnitSystem.metric
        await uow.goals.replace_milestones(goal.id, suggested_milestones(goal, definition, units))


async def _tell_client(
    uow: UnitOfWork,
    client: Client,
    change: GoalChange,
    goal: Goal,
    custom: list,
    name: str,
    now: datetime,
) -> None:
    client_user = await uow.users.get(client.user_id) if client.user_id else None
    if client_user is None:
        return
    params = _change_params(change, goal, custom) | {"units": client_user.units}
    await uow.outbox.enqueue(
        notice_for(
            client_user, name, params, key=f"goal-change:{change.id}:{change.status}", now=now
        )
    )


# -- achievements ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ShowAchievements:
    user_id: int
    coach_id: int | None = None
    client_id: int | None = None


@dataclass(frozen=True)
class AchievementsView:
    client: Client
    achievements: list[Achievement]
    streak: int  # check-ins in a row right now


class ShowAchievementsUseCase:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowAchievements) -> AchievementsView:
        async with self._uow as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            found = list(await uow.achievements.list_for_client(client.id or 0))
            streak = await checkin_streak(uow, client.id or 0)
        return AchievementsView(client, found, streak)


# -- overdue goals (a tick) -------------------------------------------------------------


class FlagOverdueGoalsUseCase:
    """Tell the coach once when a client's goal passes its target date unreached."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        told = 0
        async with self._uow as uow:
            # A day ahead of UTC covers every time zone; each goal is checked locally.
            for goal in await uow.goals.overdue(
                before=now.date() + timedelta(days=1), limit=OVERDUE_BATCH
            ):
                told += await self._flag(uow, goal, now)
            await uow.commit()
        return told

    async def _flag(self, uow: UnitOfWork, goal: Goal, now: datetime) -> int:
        client = await uow.clients.get(goal.client_id)
        if client is None:
            return 0
        people = await _People.load(uow, client)
        timezone = people.client_user.timezone if people.client_user else "UTC"
        if not goal.overdue(local_today(now, timezone)) or people.coach_user is None:
            return 0
        custom = list(await uow.custom_metrics.list_for_coach(client.coach_id))
        definition = definition_of(goal.metric, custom)
        params = metric_params(definition) | {
            "client": client.display_name,
            "client_id": client.id,
            "goal_id": goal.id,
            "description": goal.description,
            "target": goal.target_value,
            "target_date": goal.target_date.isoformat() if goal.target_date else None,
            "units": people.coach_user.units,
        }
        key = f"goal-overdue:{goal.id}:{goal.target_date}"
        message = notice_for(
            people.coach_user,
            "goal_overdue",
            params,
            key=key,
            now=now,
            not_before=send_time(people.coach_user, now),
        )
        return int(await uow.outbox.enqueue(message))
