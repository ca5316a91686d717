"""A tick that flags goals past their target date.

Each goal remembers the target date its coach was told had passed, so the tick reads
only goals it has not dealt with yet (a new target date is told again), batch after
batch until none is left; the outbox's idempotency key keeps a re-run from telling twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from coachbot.domain.goals.model import Goal
from coachbot.domain.goals.notices import GoalOverdue
from coachbot.domain.goals.recipients import _People
from coachbot.domain.outbox.model import OutgoingMessage
from coachbot.domain.outbox.notices import notice_for, send_time
from coachbot.domain.progress.metrics import (
    CustomMetric,
    definition_of,
    metric_params,
)
from coachbot.domain.progress.pictures import local_today
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

OVERDUE_BATCH = 200


class FlagOverdueGoalsUseCase:
    """Tell the coach once when a client's goal passes its target date unreached."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, *, batch: int = OVERDUE_BATCH) -> None:
        self._uow = uow
        self._clock = clock
        self._batch = batch

    async def __call__(self) -> int:
        now = self._clock.now()
        # A day ahead of UTC covers every time zone; each goal is checked locally.
        before = now.date() + timedelta(days=1)
        told = 0
        seen: set[int] = set()
        while True:
            async with self._uow() as uow:
                goals = await uow.goals.overdue(before=before, limit=self._batch)
                fresh = [goal for goal in goals if goal.id not in seen]
                if not fresh:  # goals not overdue yet where their client lives stay due
                    return told
                seen.update(goal.id or 0 for goal in fresh)
                told += await self._flag_batch(uow, fresh, now)
                await uow.commit()
            if len(goals) < self._batch:
                return told

    async def _flag_batch(self, uow: UnitOfWork, goals: Sequence[Goal], now: datetime) -> int:
        custom: dict[int, list[CustomMetric]] = {}
        messages: list[OutgoingMessage] = []
        dealt_with: list[Goal] = []
        for goal in goals:
            client = await uow.clients.get(goal.client_id)
            if client is None:
                dealt_with.append(goal)
                continue
            people = await _People.load(uow, client)
            timezone = people.client_user.timezone if people.client_user else "UTC"
            if not goal.overdue(local_today(now, timezone)):
                continue  # a day early where the client lives: read again next tick
            dealt_with.append(goal)
            if people.coach_user is None:
                continue
            if client.coach_id not in custom:
                custom[client.coach_id] = list(
                    await uow.custom_metrics.list_for_coach(client.coach_id)
                )
            definition = definition_of(goal.metric, custom[client.coach_id])
            assert client.id is not None and goal.id is not None
            notice = GoalOverdue(
                **metric_params(definition),
                client=client.display_name,
                client_id=client.id,
                goal_id=goal.id,
                description=goal.description,
                target=goal.target_value,
                target_date=goal.target_date,
            )
            messages.append(
                notice_for(
                    people.coach_user,
                    notice,
                    key=f"goal-overdue:{goal.id}:{goal.target_date}",
                    now=now,
                    not_before=send_time(people.coach_user, now),
                )
            )
        await uow.goals.mark_overdue_flagged(dealt_with)
        return await uow.outbox.enqueue_many(messages)
