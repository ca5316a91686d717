"""The coach's view of their clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coachbot.domain.errors import NotAllowedError
from coachbot.domain.model import Client, ClientStatus
from coachbot.domain.ports import UnitOfWork

STATUS_ORDER = tuple(ClientStatus)


@dataclass(frozen=True, kw_only=True)
class ListClients:
    coach_id: int | None


class ListClientsUseCase:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, cmd: ListClients) -> Sequence[Client]:
        if cmd.coach_id is None:
            raise NotAllowedError()
        async with self._uow as uow:
            clients = await uow.clients.list_for_coach(cmd.coach_id)
        return sorted(
            clients, key=lambda c: (STATUS_ORDER.index(c.status), c.display_name.casefold())
        )
