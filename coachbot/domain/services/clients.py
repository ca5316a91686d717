"""The coach's view of their clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coachbot.domain.clock import Clock
from coachbot.domain.errors import (
    ClientNotFound,
    InvalidDetailError,
    InvitationUsedError,
    NotAllowedError,
)
from coachbot.domain.model import Client, ClientStatus, InvitationKind
from coachbot.domain.model.contact import (
    clean_email,
    clean_name,
    clean_notes,
    clean_phone,
    clean_tags,
)
from coachbot.domain.ports import UnitOfWork
from coachbot.domain.services.invitations import (
    MAX_VALID_DAYS,
    InvitationIssued,
    issue_invitation,
)

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


@dataclass(frozen=True, kw_only=True)
class ImportClients:
    coach_telegram_id: int
    rows: Sequence[tuple[int, dict[str, str]]]  # (line number, column -> value)


@dataclass(frozen=True)
class ImportedClient:
    line: int
    client_id: int
    name: str
    invitation: InvitationIssued


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str  # "field: code", e.g. "email: invalid"


@dataclass(frozen=True)
class ImportReport:
    imported: list[ImportedClient]
    refused: list[RefusedRow]


class ImportClientsUseCase:
    """Clients from a file: every good row becomes a client with an invitation link, every
    bad row is refused with its reason, all in one transaction (a crash imports nothing)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ImportClients) -> ImportReport:
        now = self._clock.now()
        imported: list[ImportedClient] = []
        refused: list[RefusedRow] = []
        async with self._uow as uow:
            coach_user = await uow.users.get_by_telegram_id(cmd.coach_telegram_id)
            coach = await uow.coaches.get_by_user(coach_user.id) if coach_user else None
            if coach is None or coach.id is None or coach_user is None:
                raise ClientNotFound()
            emails = {c.email for c in await uow.clients.list_for_coach(coach.id) if c.email}
            for line, row in cmd.rows:
                try:
                    client = _client_from_row(row, coach.id, now)
                except InvalidDetailError as error:
                    refused.append(RefusedRow(line, f"{error.field}: {error.code}"))
                    continue
                if client.email and client.email.lower() in emails:
                    refused.append(RefusedRow(line, "email: already_a_client"))
                    continue
                if client.email:
                    emails.add(client.email.lower())
                client = await uow.clients.add(client)
                assert client.id is not None and coach_user.id is not None
                issued = await issue_invitation(
                    uow,
                    kind=InvitationKind.client,
                    actor_user_id=coach_user.id,
                    now=now,
                    valid_days=MAX_VALID_DAYS,
                    note=client.display_name,
                    coach_id=coach.id,
                    client_id=client.id,
                )
                imported.append(ImportedClient(line, client.id, client.display_name, issued))
            await uow.commit()
        return ImportReport(imported, refused)


def _client_from_row(row: dict[str, str], coach_id: int, now) -> Client:
    email, phone = (row.get("email") or "").strip(), (row.get("phone") or "").strip()
    return Client(
        coach_id=coach_id,
        display_name=clean_name(row.get("name") or ""),
        status=ClientStatus.invited,
        created_at=now,
        email=clean_email(email).lower() if email else None,
        phone=clean_phone(phone) if phone else None,
        notes=clean_notes(row.get("notes") or ""),
        tags=clean_tags(row.get("tags") or ""),
    )
