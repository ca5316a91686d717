"""The coach's view of their clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coachbot.domain.clock import Clock
from coachbot.domain.errors import ClientNotFound, InvitationUsedError, NotAllowedError
from coachbot.domain.model import Client, ClientStatus, InvitationKind
from coachbot.domain.model.contact import clean_email, clean_name, clean_notes, clean_phone
from coachbot.domain.ports import UnitOfWork
from coachbot.domain.services.invitations import InvitationIssued, issue_invitation

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


@dataclass(frozen=True, kw_only=True)
class AddClient:
    coach_id: int | None
    actor_user_id: int
    name: str
    email: str | None = None
    phone: str | None = None
    notes: str = ""
    tags: Sequence[str] = ()
    valid_days: int = 7


@dataclass(frozen=True)
class ClientLink:
    client_id: int
    client_name: str
    invitation: InvitationIssued


@dataclass(frozen=True, kw_only=True)
class ChangeClientLink:
    """`renew`: revoke the open links and issue a new one; otherwise only revoke."""

    coach_id: int | None
    actor_user_id: int
    client_id: int
    renew: bool
    valid_days: int = 7


class AddClientUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: AddClient) -> ClientLink:
        if cmd.coach_id is None:
            raise NotAllowedError()
        client = Client(
            coach_id=cmd.coach_id,
            display_name=clean_name(cmd.name),
            status=ClientStatus.invited,
            created_at=self._clock.now(),
            email=clean_email(cmd.email) if cmd.email else None,
            phone=clean_phone(cmd.phone) if cmd.phone else None,
            notes=clean_notes(cmd.notes),
            tags=list(cmd.tags),
        )
        async with self._uow as uow:
            client = await uow.clients.add(client)
            assert client.id is not None
            issued = await issue_invitation(
                uow,
                kind=InvitationKind.client,
                actor_user_id=cmd.actor_user_id,
                now=self._clock.now(),
                valid_days=cmd.valid_days,
                note=client.display_name,
                coach_id=cmd.coach_id,
                client_id=client.id,
            )
            await uow.commit()
        return ClientLink(client.id, client.display_name, issued)


class ChangeClientLinkUseCase:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ChangeClientLink) -> ClientLink | None:
        now = self._clock.now()
        async with self._uow as uow:
            client = await uow.clients.get(cmd.client_id)
            if client is None or cmd.coach_id is None or client.coach_id != cmd.coach_id:
                raise ClientNotFound()
            if client.user_id is not None:
                raise InvitationUsedError()  # the client already joined with a link
            for invitation in await uow.invitations.active_for_client(client.id, now=now):
                assert invitation.id is not None
                await uow.invitations.mark_revoked(invitation.id, now=now)
            issued = None
            if cmd.renew:
                issued = await issue_invitation(
                    uow,
                    kind=InvitationKind.client,
                    actor_user_id=cmd.actor_user_id,
                    now=now,
                    valid_days=cmd.valid_days,
                    note=client.display_name,
                    coach_id=client.coach_id,
                    client_id=cmd.client_id,
                )
            await uow.commit()
        return ClientLink(cmd.client_id, client.display_name, issued) if issued else None
