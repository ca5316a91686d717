"""Goal use cases on the in-memory unit of work: setting goals and milestones, proposing
and deciding changes, the overdue tick."""

from __future__ import annotations

from datetime import date

import pytest

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.goals.changes import (
    ChangePending,
    DecideGoalChange,
    DecideGoalChangeUseCase,
    EditGoal,
    EditGoalUseCase,
    ProposeGoalChange,
    ProposeGoalChangeUseCase,
)
from coachbot.domain.goals.model import ChangeStatus, GoalCategory, GoalStatus
from coachbot.domain.goals.overdue import FlagOverdueGoalsUseCase
from coachbot.domain.goals.setting import (
    AddGoal,
    AddGoalUseCase,
    SetMilestones,
    SetMilestonesUseCase,
)
from coachbot.domain.progress.errors import InvalidMilestones
from coachbot.domain.shared.errors import ClientNotFound
from tests.fakes.uow import FakeUnitOfWork

COACH_CHAT, ANN_CHAT = "100", "200"  # the world's Telegram ids


async def weight_goal(uow, clock, world, *, target="65", target_date="2026-06-01"):
    add = AddGoalUseCase(uow, clock)
    return await add(
        AddGoal(coach_id=world.coach, user_id=world.coach_user, client_id=world.ann,
                category=GoalCategory.weight, metric="weight", target=target,
                target_date=target_date)
    )  # fmt: skip


def recipients(uow: FakeUnitOfWork) -> list[str]:
    return [m.recipient for m in uow.saved_outbox]


async def test_a_coach_sets_a_measured_goal_from_the_latest_weight(uow, clock, world):
    async with uow as u:
        await u.metrics.add(MetricEntry(world.ann, "weight", 72.0, clock.now(), clock.now()))
        await u.commit()
    goal = await weight_goal(uow, clock, world)
    stored = uow.db.goals.rows[goal.id]
    assert (stored.metric, stored.target_value, stored.start_value) == ("weight", 65.0, 72.0)
    assert stored.target_date == date(2026, 6, 1) and stored.status == GoalStatus.active


async def test_only_the_clients_coach_sets_goals(uow, clock, world):
    with pytest.raises(ClientNotFound):
        await AddGoalUseCase(uow, clock)(
            AddGoal(coach_id=None, user_id=world.ann_user, client_id=world.ann,
                    category=GoalCategory.habit, description="Walk")
        )  # fmt: skip
    assert uow.db.goals.rows == {}


async def test_milestones_are_suggested_or_typed_between_start_and_target(uow, clock, world):
    goal = await _goal_from(uow, clock, world, start=75.0)
    set_milestones = SetMilestonesUseCase(uow, clock)
    typed = await set_milestones(
        SetMilestones(user_id=world.coach_user, coach_id=world.coach, goal_id=goal.id,
                      values="70, 72.5")
    )  # fmt: skip
    assert [(m.position, m.value) for m in typed] == [(1, 72.5), (2, 70.0)]  # towards 65
    with pytest.raises(InvalidMilestones):
        await set_milestones(
            SetMilestones(user_id=world.coach_user, coach_id=world.coach, goal_id=goal.id,
                          values="80")
        )  # fmt: skip
    suggested = await set_milestones(
        SetMilestones(user_id=world.coach_user, coach_id=world.coach, goal_id=goal.id)
    )
    assert suggested and all(65.0 < m.value < 75.0 for m in suggested)
    assert [m.value for m in uow.db.milestones.rows.values()] == [m.value for m in suggested]


async def _goal_from(uow, clock, world, *, start: float):
    async with uow as u:
        await u.metrics.add(MetricEntry(world.ann, "weight", start, clock.now(), clock.now()))
        await u.commit()
    return await weight_goal(uow, clock, world)


async def test_a_client_proposes_and_the_coach_approves_a_change(uow, clock, world):
    goal = await _goal_from(uow, clock, world, start=75.0)
    change = await ProposeGoalChangeUseCase(uow, clock)(
        ProposeGoalChange(user_id=world.ann_user, goal_id=goal.id, target="68", reason="slower")
    )
    assert (change.status, change.old_target, change.new_target) == (
        ChangeStatus.proposed,
        65.0,
        68.0,
    )
    assert COACH_CHAT in recipients(uow)
    with pytest.raises(ChangePending):
        await ProposeGoalChangeUseCase(uow, clock)(
            ProposeGoalChange(user_id=world.ann_user, goal_id=goal.id, target="67")
        )

    decide = DecideGoalChangeUseCase(uow, clock)
    cmd = DecideGoalChange(
        coach_id=world.coach, user_id=world.coach_user, change_id=change.id, approve=True
    )
    decided = await decide(cmd)
    assert decided.now and decided.change.status == ChangeStatus.approved
    assert uow.db.goals.rows[goal.id].target_value == 68.0
    assert uow.db.goal_changes.rows[change.id].decided_by == world.coach_user
    assert ANN_CHAT in recipients(uow)
    assert (await decide(cmd)).now is False  # a second tap changes nothing
    assert len(uow.saved_outbox) == 2


async def test_a_declined_change_leaves_the_goal(uow, clock, world):
    goal = await _goal_from(uow, clock, world, start=75.0)
    change = await ProposeGoalChangeUseCase(uow, clock)(
        ProposeGoalChange(user_id=world.ann_user, goal_id=goal.id, target_date="2026-07-01")
    )
    await DecideGoalChangeUseCase(uow, clock)(
        DecideGoalChange(coach_id=world.coach, user_id=world.coach_user, change_id=change.id,
                         approve=False)
    )  # fmt: skip
    assert uow.db.goal_changes.rows[change.id].status == ChangeStatus.declined
    assert uow.db.goals.rows[goal.id].target_date == date(2026, 6, 1)


async def test_a_coach_edits_and_closes_a_goal_with_history(uow, clock, world):
    goal = await _goal_from(uow, clock, world, start=75.0)
    edit = EditGoalUseCase(uow, clock)
    await edit(EditGoal(coach_id=world.coach, user_id=world.coach_user, goal_id=goal.id,
                        target="66"))  # fmt: skip
    assert uow.db.goals.rows[goal.id].target_value == 66.0
    (applied,) = uow.db.goal_changes.rows.values()
    assert (applied.status, applied.by_coach) == (ChangeStatus.applied, True)
    await edit(EditGoal(coach_id=world.coach, user_id=world.coach_user, goal_id=goal.id,
                        close=True))  # fmt: skip
    assert uow.db.goals.rows[goal.id].status == GoalStatus.closed


async def test_the_overdue_tick_tells_the_coach_once(uow, clock, world):
    goal = await weight_goal(uow, clock, world, target_date="2026-03-05")
    tick = FlagOverdueGoalsUseCase(uow, clock)
    assert await tick() == 0  # not due yet
    clock.advance(days=4)
    assert await tick() == 1
    assert recipients(uow) == [COACH_CHAT]
    assert await tick() == 0  # told once
    async with uow as u:
        stored = await u.goals.get(goal.id)
        stored.status = GoalStatus.achieved
        await u.goals.update(stored)
        await u.commit()
    clock.advance(days=1)
    assert await tick() == 0
