"""A tick that flags goals past their target date."""

from __future__ import annotations

from datetime import datetime, timedelta

from coachbot.domain.goals.model import (
    Goal,
)
from coachbot.domain.goals.notices import GoalOverdue
from coachbot.domain.goals.recipients import _People
from coachbot.domain.outbox.notices import notice_for, send_time
from coachbot.domain.progress.metrics import (
    definition_of,
    metric_params,
)
from coachbot.domain.progress.pictures import local_today
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

OVERDUE_BATCH = 200


class FlagOverdueGoalsUseCase:
    """Tell the coach once when a client's goal passes its target date unreached."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        told = 0
        async with self._uow() as uow:
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
        key = f"goal-overdue:{goal.id}:{goal.target_date}"
        message = notice_for(
            people.coach_user,
            notice,
            key=key,
            now=now,
            not_before=send_time(people.coach_user, now),
        )
        return int(await uow.outbox.enqueue(message))
