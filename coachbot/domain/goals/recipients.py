"""Who hears about a goal: the client and their coach, in their own language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from coachbot.domain.outbox.notices import notice_for
from coachbot.domain.people.model import Client, User
from coachbot.domain.shared.notices import Notice
from coachbot.domain.shared.ports import UnitOfWork


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
        own: Callable[..., Notice],
        note: Callable[..., Notice],
        *,
        key: str,
        now: datetime,
    ) -> None:
        """The client's celebration `own(name=)` and the coach's `note(client=, client_id=)`."""
        if self.client_user is not None:
            mine = own(name=self.client_user.call_name)
            await uow.outbox.enqueue(
                notice_for(self.client_user, mine, key=f"{key}:client", now=now)
            )
        if self.coach_user is not None:
            theirs = note(client=self.client.display_name, client_id=self.client.id)
            await uow.outbox.enqueue(
                notice_for(self.coach_user, theirs, key=f"{key}:coach", now=now)
            )
