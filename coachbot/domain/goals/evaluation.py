"""Evaluating goals against new measurements: progress, milestones reached, badges, streaks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals import notices
from coachbot.domain.goals.model import (
    Achievement,
    Goal,
    GoalStatus,
    suggest_milestones,
)
from coachbot.domain.goals.recipients import _People
from coachbot.domain.onboarding.use_cases import ASSESSMENT
from coachbot.domain.people.model import Client
from coachbot.domain.progress.metrics import (
    MetricDefinition,
    definition_of,
    metric_params,
)
from coachbot.domain.progress.pictures import by_metric
from coachbot.domain.shared.ports import UnitOfWork

RECENT_CHECKINS = 60


START_WINDOW = timedelta(days=14)  # a measurement this recent when a goal is set is its start


STREAKS = (4, 8, 12, 26, 52)  # check-ins in a row


WEIGHT_STEPS_KG = (5, 10, 20)  # the first 5 kg, 10 kg, 20 kg towards the goal


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
            details = params | {"value": milestone.value, "percent": round(fraction * 100)}
            await people.both(
                uow,
                partial(notices.MilestoneReached, **details),
                partial(notices.MilestoneReachedNote, **details),
                key=f"milestone:{milestone.id}",
                now=now,
            )
    if goal.reaches(current, goal.target_value):
        goal.status = GoalStatus.achieved
        goal.achieved_at = now
        await uow.goals.update(goal)
        await uow.achievements.add(
            Achievement(goal.client_id, f"goal:{goal.id}", now, params | {"value": current})
        )
        reached = params | {"value": current}
        await people.both(
            uow,
            partial(notices.GoalReached, **reached),
            partial(notices.GoalReachedNote, **reached),
            key=f"goal-reached:{goal.id}",
            now=now,
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
        await people.both(
            uow,
            partial(notices.AchievementEarned, key=key, details=details),
            partial(notices.AchievementNote, key=key, details=details),
            key=f"achievement:{client_id}:{key}",
            now=now,
        )


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
