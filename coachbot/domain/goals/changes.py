"""Changing goals: a client proposes, the coach decides; a coach edits directly."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.goals import notices
from coachbot.domain.goals.evaluation import suggested_milestones
from coachbot.domain.goals.model import (
    ChangeStatus,
    Goal,
    GoalChange,
    GoalStatus,
)
from coachbot.domain.goals.recipients import _People
from coachbot.domain.goals.setting import _description, read_date, read_target
from coachbot.domain.goals.viewing import _goal_in_view
from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import Client, User
from coachbot.domain.progress.errors import (
    GoalChangeNotFound,
    GoalNotFound,
    NotMeasurable,
)
from coachbot.domain.progress.metrics import (
    definition_of,
    metric_params,
)
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import DomainError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory


class ChangePending(DomainError):
    """A proposal for this goal is already waiting for the coach."""


@dataclass(frozen=True, kw_only=True)
class ProposeGoalChange:
    """The client asks for another target and/or date; the coach decides."""

    user_id: int
    goal_id: int
    target: str | None = None
    target_date: str | None = None
    reason: str = ""


class ProposeGoalChangeUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ProposeGoalChange) -> GoalChange:
        now = self._clock.now()
        async with self._uow() as uow:
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
                proposed = notices.GoalChangeProposed(
                    **_change_params(change, goal, custom),
                    client=client.display_name,
                    client_id=client.id or 0,
                )
                await uow.outbox.enqueue(
                    notice_for(
                        people.coach_user,
                        proposed,
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
        "old_date": change.old_date,
        "new_date": change.new_date,
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
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: DecideGoalChange) -> GoalChangeDecided:
        now = self._clock.now()
        async with self._uow() as uow:
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
            await _tell_client(uow, client, change, goal, custom, notices.GoalChangeDecided, now)
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
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: EditGoal) -> Goal:
        now = self._clock.now()
        async with self._uow() as uow:
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
            await _tell_client(uow, client, change, goal, custom, notices.GoalChanged, now)
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
    notice: type[notices.GoalChangeNotice],
    now: datetime,
) -> None:
    client_user = await uow.users.get(client.user_id) if client.user_id else None
    if client_user is None:
        return
    told = notice(**_change_params(change, goal, custom))
    await uow.outbox.enqueue(
        notice_for(client_user, told, key=f"goal-change:{change.id}:{change.status}", now=now)
    )
