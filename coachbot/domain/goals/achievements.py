"""Showing the badges a client has earned."""

from __future__ import annotations

from dataclasses import dataclass

from coachbot.domain.goals.evaluation import checkin_streak
from coachbot.domain.goals.model import (
    Achievement,
)
from coachbot.domain.people.model import Client
from coachbot.domain.progress.pictures import visible_client
from coachbot.domain.shared.ports import UnitOfWorkFactory


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
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowAchievements) -> AchievementsView:
        async with self._uow() as uow:
            client = await visible_client(
                uow, user_id=cmd.user_id, coach_id=cmd.coach_id, client_id=cmd.client_id
            )
            found = list(await uow.achievements.list_for_client(client.id or 0))
            streak = await checkin_streak(uow, client.id or 0)
        return AchievementsView(client, found, streak)
