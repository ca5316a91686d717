"""Users, coaches, clients, consents, invitations and the audit log, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from coachbot.domain.invitations.model import Invitation
from coachbot.domain.people.model import (
    STATUS_ORDER,
    Client,
    ClientCursor,
    ClientFilter,
    ClientStatus,
    Coach,
    User,
    UserRoles,
    list_order,
)
from coachbot.domain.shared.audit import AuditEntry
from tests.fakes.database import AuditRow, ConsentRow, FakeDatabase
from tests.fakes.table import as_json


class FakeUsers:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def add(self, user: User) -> User:
        return self._db.users.insert(user)

    async def get(self, user_id: int) -> User | None:
        return self._db.users.get(user_id)

    async def get_by_telegram_id(self, telegram_id: int) -> User | None:
        return self._db.users.first(lambda u: u.telegram_id == telegram_id)

    async def with_roles(self, telegram_id: int) -> UserRoles | None:
        user = await self.get_by_telegram_id(telegram_id)
        if user is None:
            return None
        coach = self._db.coaches.first(lambda c: c.user_id == user.id)
        clients = self._db.clients.select(lambda c: c.user_id == user.id)
        return UserRoles(user=user, coach=coach, clients=tuple(clients))

    async def update(self, user: User) -> None:
        self._db.users.update(user)


class FakeCoaches:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def add(self, coach: Coach) -> Coach:
        return self._db.coaches.insert(coach)

    async def get(self, coach_id: int) -> Coach | None:
        return self._db.coaches.get(coach_id)

    async def get_by_user(self, user_id: int) -> Coach | None:
        return self._db.coaches.first(lambda c: c.user_id == user_id)

    async def update(self, coach: Coach) -> None:
        self._db.coaches.update(coach)


class FakeClients:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def add(self, client: Client) -> Client:
        return self._db.clients.insert(client)

    async def get(self, client_id: int) -> Client | None:
        return self._db.clients.get(client_id)

    async def update(self, client: Client) -> None:
        # The data version is the stores' to change, never a saved client's.
        fields = [name for name in vars(client) if name != "data_version"]
        self._db.clients.update(client, fields)

    async def list_for_coach(self, coach_id: int) -> Sequence[Client]:
        return self._db.clients.select(lambda c: c.coach_id == coach_id)

    async def list_for_user(self, user_id: int) -> Sequence[Client]:
        return self._db.clients.select(lambda c: c.user_id == user_id)

    async def page_for_coach(
        self,
        coach_id: int,
        which: ClientFilter,
        *,
        limit: int,
        after: ClientCursor | None = None,
        before: ClientCursor | None = None,
    ) -> Sequence[Client]:
        listed = self._db.clients.select(
            lambda c: c.coach_id == coach_id and which.matches(c), order=list_order
        )
        cursor = after or before
        anchor = self._db.clients.get(cursor.client_id) if cursor else None
        if cursor is None or anchor is None or anchor.coach_id != coach_id:
            return listed[:limit]
        anchor.status = cursor.status  # its place is where it was listed
        place = list_order(anchor)
        if before is not None:
            return [c for c in listed if list_order(c) < place][-limit:]
        return [c for c in listed if list_order(c) > place][:limit]

    async def count_for_coach(
        self, coach_id: int, which: ClientFilter
    ) -> tuple[dict[ClientStatus, int], int]:
        counts = {status: 0 for status in STATUS_ORDER}
        matching = 0
        for client in self._db.clients.select(lambda c: c.coach_id == coach_id):
            counts[client.status] += 1
            matching += which.matches(client)
        return {status: n for status, n in counts.items() if n}, matching


class FakeConsents:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def record(self, *, user_id: int, document: str, version: str, at: datetime) -> None:
        if not await self.has(user_id=user_id, document=document, version=version):
            self._db.consents.insert(ConsentRow(user_id, document, version, at))

    async def has(self, *, user_id: int, document: str, version: str) -> bool:
        key = (user_id, document, version)
        return any((c.user_id, c.document, c.version) == key for c in self._db.consents.select())


class FakeInvitations:
    def __init__(self, db: FakeDatabase) -> None:
        self._table = db.invitations

    async def add(self, invitation: Invitation) -> Invitation:
        return self._table.insert(invitation)

    async def get(self, invitation_id: int) -> Invitation | None:
        return self._table.get(invitation_id)

    async def get_by_token_hash(self, token_hash: str) -> Invitation | None:
        return self._table.first(lambda i: i.token_hash == token_hash)

    async def list_active(self, *, created_by: int | None, now: datetime) -> Sequence[Invitation]:
        return self._table.select(
            lambda i: _unused(i) and i.expires_at > now and created_by in (None, i.created_by),
            order=lambda i: (i.created_at, i.id),
        )

    async def active_for_client(self, client_id: int, *, now: datetime) -> Sequence[Invitation]:
        return self._table.select(
            lambda i: _unused(i) and i.expires_at > now and i.client_id == client_id
        )

    async def mark_used(self, invitation_id: int, *, user_id: int, now: datetime) -> bool:
        return self._consume(invitation_id, used_at=now, used_by=user_id)

    async def mark_revoked(self, invitation_id: int, *, now: datetime) -> bool:
        return self._consume(invitation_id, revoked_at=now)

    def _consume(self, invitation_id: int, **values: object) -> bool:
        row = self._table.get(invitation_id)
        if row is None or not _unused(row):
            return False
        self._table.update(replace(row, **values))
        return True


def _unused(invitation: Invitation) -> bool:
    return invitation.used_at is None and invitation.revoked_at is None


class FakeAuditLog:
    def __init__(self, db: FakeDatabase) -> None:
        self._table = db.audit

    async def record(self, entry: AuditEntry) -> None:
        self._table.insert(AuditRow(replace(entry, details=as_json(entry.details))))

    async def list_recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        rows = self._table.select(order=lambda r: (r.entry.at, r.id), desc=True, limit=limit)
        return [row.entry for row in rows]
