"""The coach's view of their clients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from coachbot.domain.checkins.setup import resume_plan, suspend_plan
from coachbot.domain.invitations.model import InvitationKind
from coachbot.domain.invitations.use_cases import MAX_VALID_DAYS, InvitationIssued, issue_invitation
from coachbot.domain.people.contact import (
    clean_name,
    clean_notes,
    clean_phone,
    clean_tags,
)
from coachbot.domain.people.model import Client, ClientCursor, ClientFilter, ClientStatus, User
from coachbot.domain.people.ports import EmailAddresses
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import (
    ClientNotFound,
    InvalidDetailError,
    InvitationUsedError,
    NotAllowedError,
)
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

PAGE_SIZE = 8


@dataclass(frozen=True, kw_only=True)
class ListClients:
    """`search` matches names, emails and notes; `#tag` matches a tag. A page is found
    from a neighbour, not an offset: `after` (Next) the last client shown, or `before`
    (Previous) the first; `page` is only the number shown."""

    coach_id: int | None
    search: str = ""
    status: ClientStatus | None = None
    page: int = 0
    after: ClientCursor | None = None
    before: ClientCursor | None = None


@dataclass(frozen=True)
class ClientPage:
    clients: list[Client]
    matching: int
    page: int
    pages: int
    counts: dict[ClientStatus, int]  # all of the coach's clients, by status
    has_previous: bool = False
    has_next: bool = False

    def cursor(self, *, last: bool) -> ClientCursor | None:
        """Where the next (`last`) or previous page starts from."""
        if not self.clients:
            return None
        client = self.clients[-1 if last else 0]
        return ClientCursor(client.id or 0, client.status)


class ListClientsUseCase:
    """One page of the coach's client list, read in SQL: the page's clients (ordered by
    status, name and id, found from a neighbour's place) and the counts."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ListClients) -> ClientPage:
        if cmd.coach_id is None:
            raise NotAllowedError()
        which = ClientFilter.of(cmd.search, cmd.status)
        async with self._uow() as uow:
            found, matching = await uow.clients.count_for_coach(cmd.coach_id, which)
            counts = {status: found.get(status, 0) for status in ClientStatus}
            shown, has_previous, has_next = await _page(uow, cmd.coach_id, which, cmd)
        pages = max(1, -(-matching // PAGE_SIZE))
        if not has_previous:
            page = 0
        elif not has_next:
            page = pages - 1
        else:
            page = min(max(cmd.page, 1), max(pages - 2, 1))
        return ClientPage(shown, matching, page, pages, counts, has_previous, has_next)


async def _page(
    uow: UnitOfWork, coach_id: int, which: ClientFilter, cmd: ListClients
) -> tuple[list[Client], bool, bool]:
    """(clients, has previous, has next). Previous from the first page, or Next after the
    last client, start over at the first page."""
    clients = uow.clients
    if cmd.before is not None:
        found = list(
            await clients.page_for_coach(coach_id, which, limit=PAGE_SIZE + 1, before=cmd.before)
        )
        if len(found) > PAGE_SIZE:
            return found[1:], True, True
    elif cmd.after is not None:
        found = list(
            await clients.page_for_coach(coach_id, which, limit=PAGE_SIZE + 1, after=cmd.after)
        )
        if found:
            return found[:PAGE_SIZE], True, len(found) > PAGE_SIZE
    found = list(await clients.page_for_coach(coach_id, which, limit=PAGE_SIZE + 1))
    return found[:PAGE_SIZE], False, len(found) > PAGE_SIZE


@dataclass(frozen=True, kw_only=True)
class ShowClient:
    coach_id: int | None
    client_id: int


@dataclass(frozen=True, kw_only=True)
class UpdateClient:
    """Only the fields given change. Status changes: pause, resume, archive, restore."""

    coach_id: int | None
    actor_user_id: int
    client_id: int
    notes: str | None = None
    tags: str | None = None
    status: ClientStatus | None = None


ALLOWED_STATUS_CHANGES = {
    (ClientStatus.active, ClientStatus.paused),
    (ClientStatus.paused, ClientStatus.active),
    (ClientStatus.active, ClientStatus.archived),
    (ClientStatus.paused, ClientStatus.archived),
    (ClientStatus.invited, ClientStatus.archived),
    (ClientStatus.onboarding, ClientStatus.archived),
    (ClientStatus.archived, ClientStatus.active),
}


@dataclass(frozen=True)
class ClientCard:
    client: Client
    user: User | None  # None until the client joined with their link
    last_activity: datetime | None


class ShowClientUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowClient) -> ClientCard:
        async with self._uow() as uow:
            client = await client_of_coach(uow, cmd.coach_id, cmd.client_id)
            if client.user_id is None:
                return ClientCard(client, None, None)
            user = await uow.users.get(client.user_id)
            last = await uow.forms.last_activity(user_id=client.user_id)
        return ClientCard(client, user, last)


class UpdateClientUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: UpdateClient) -> Client:
        async with self._uow() as uow:
            client = await client_of_coach(uow, cmd.coach_id, cmd.client_id)
            if cmd.notes is not None:
                client.notes = clean_notes(cmd.notes)
            if cmd.tags is not None:
                client.tags = clean_tags(cmd.tags)
            if cmd.status is not None and cmd.status is not client.status:
                if (client.status, cmd.status) not in ALLOWED_STATUS_CHANGES:
                    raise InvalidDetailError("status", "not_allowed")
                await uow.audit.record(
                    AuditEntry(
                        at=self._clock.now(),
                        action=f"client.{cmd.status.value}",
                        actor_user_id=cmd.actor_user_id,
                        subject_type="client",
                        subject_id=client.id,
                        details={"from": client.status.value},
                    )
                )
                resumed = client.status is not ClientStatus.active
                client.status = cmd.status
                if resumed and cmd.status is ClientStatus.active:
                    await resume_plan(uow, client, self._clock.now())
                elif cmd.status is not ClientStatus.active:
                    await suspend_plan(uow, client, self._clock.now())
            await uow.clients.update(client)
            await uow.commit()
        return client


async def client_of_coach(uow: UnitOfWork, coach_id: int | None, client_id: int) -> Client:
    """The coach's own client; anyone else's is "not found" (ids are never trusted)."""
    client = await uow.clients.get(client_id)
    if client is None or coach_id is None or client.coach_id != coach_id:
        raise ClientNotFound()
    return client


@dataclass(frozen=True, kw_only=True)
class AddClient:
    coach_id: int | None
    actor_user_id: int
    name: str
    email: str | None = None
    phone: str | None = None
    notes: str = ""
    tags: Sequence[str] = ()


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


DEFAULT_LINK_DAYS = 7


class AddClientUseCase:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        emails: EmailAddresses,
        *,
        link_days: int = DEFAULT_LINK_DAYS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._emails = emails
        self._link_days = link_days

    async def __call__(self, cmd: AddClient) -> ClientLink:
        if cmd.coach_id is None:
            raise NotAllowedError()
        client = Client(
            coach_id=cmd.coach_id,
            display_name=clean_name(cmd.name),
            status=ClientStatus.invited,
            created_at=self._clock.now(),
            email=self._emails.normalise(cmd.email) if cmd.email else None,
            phone=clean_phone(cmd.phone) if cmd.phone else None,
            notes=clean_notes(cmd.notes),
            tags=list(cmd.tags),
        )
        async with self._uow() as uow:
            client = await uow.clients.add(client)
            assert client.id is not None
            issued = await issue_invitation(
                uow,
                kind=InvitationKind.client,
                actor_user_id=cmd.actor_user_id,
                now=self._clock.now(),
                valid_days=self._link_days,
                note=client.display_name,
                coach_id=cmd.coach_id,
                client_id=client.id,
            )
            await uow.commit()
        return ClientLink(client.id, client.display_name, issued)


class ChangeClientLinkUseCase:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, link_days: int = DEFAULT_LINK_DAYS
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._link_days = link_days

    async def __call__(self, cmd: ChangeClientLink) -> ClientLink | None:
        now = self._clock.now()
        async with self._uow() as uow:
            client = await client_of_coach(uow, cmd.coach_id, cmd.client_id)
            if client.user_id is not None:
                raise InvitationUsedError()  # the client already joined with a link
            assert client.id is not None
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
                    valid_days=self._link_days,
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

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, emails: EmailAddresses) -> None:
        self._uow = uow
        self._clock = clock
        self._emails = emails

    async def __call__(self, cmd: ImportClients) -> ImportReport:
        now = self._clock.now()
        imported: list[ImportedClient] = []
        refused: list[RefusedRow] = []
        async with self._uow() as uow:
            coach_user = await uow.users.get_by_telegram_id(cmd.coach_telegram_id)
            coach = (
                await uow.coaches.get_by_user(coach_user.id)
                if coach_user and coach_user.id
                else None
            )
            if coach is None or coach.id is None or coach_user is None:
                raise ClientNotFound()
            emails = {
                c.email.lower() for c in await uow.clients.list_for_coach(coach.id) if c.email
            }
            for line, row in cmd.rows:
                try:
                    client = _client_from_row(row, coach.id, now, self._emails)
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


def _client_from_row(
    row: dict[str, str], coach_id: int, now: datetime, addresses: EmailAddresses
) -> Client:
    email, phone = (row.get("email") or "").strip(), (row.get("phone") or "").strip()
    return Client(
        coach_id=coach_id,
        display_name=clean_name(row.get("name") or ""),
        status=ClientStatus.invited,
        created_at=now,
        email=addresses.normalise(email) if email else None,
        phone=clean_phone(phone) if phone else None,
        notes=clean_notes(row.get("notes") or ""),
        tags=clean_tags(row.get("tags") or ""),
    )
