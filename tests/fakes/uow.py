"""In-memory ports for unit tests of the use cases."""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from datetime import datetime
from typing import Generic, Self, TypeVar

from coachbot.domain.invitations.model import Invitation
from coachbot.domain.outbox.model import OutgoingMessage
from coachbot.domain.people.model import Client, Coach, User, UserRoles
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.errors import AlreadyCoachError

T = TypeVar("T")


class _Table(Generic[T]):
    def __init__(self) -> None:
        self.rows: dict[int, T] = {}
        self._ids = itertools.count(1)

    def insert(self, entity: T) -> T:
        entity = copy.copy(entity)
        entity.id = next(self._ids)  # type: ignore[attr-defined]
        self.rows[entity.id] = entity  # type: ignore[attr-defined]
        return copy.copy(entity)

    def find(self, **where: object) -> list[T]:
        return [
            copy.copy(row)
            for row in self.rows.values()
            if all(getattr(row, k) == v for k, v in where.items())
        ]


class FakeUsers:
    def __init__(
        self, table: _Table[User], coaches: _Table[Coach], clients: _Table[Client]
    ) -> None:
        self.table = table
        self.coaches = coaches
        self.clients = clients

    async def add(self, user: User) -> User:
        return self.table.insert(user)

    async def get(self, user_id: int) -> User | None:
        return next(iter(self.table.find(id=user_id)), None)

    async def get_by_telegram_id(self, telegram_id: int) -> User | None:
        return next(iter(self.table.find(telegram_id=telegram_id)), None)

    async def with_roles(self, telegram_id: int) -> UserRoles | None:
        user = await self.get_by_telegram_id(telegram_id)
        if user is None:
            return None
        coach = next(iter(self.coaches.find(user_id=user.id)), None)
        return UserRoles(user, coach, tuple(self.clients.find(user_id=user.id)))

    async def update(self, user: User) -> None:
        self.table.rows[user.id] = copy.copy(user)  # type: ignore[index]


class FakeCoaches:
    def __init__(self, table: _Table[Coach]) -> None:
        self.table = table

    async def add(self, coach: Coach) -> Coach:
        if self.table.find(user_id=coach.user_id):
            raise AlreadyCoachError()
        return self.table.insert(coach)

    async def get_by_user(self, user_id: int) -> Coach | None:
        return next(iter(self.table.find(user_id=user_id)), None)


class FakeClients:
    def __init__(self, table: _Table[Client]) -> None:
        self.table = table

    async def add(self, client: Client) -> Client:
        return self.table.insert(client)

    async def list_for_coach(self, coach_id: int) -> list[Client]:
        return self.table.find(coach_id=coach_id)

    async def list_for_user(self, user_id: int) -> list[Client]:
        return self.table.find(user_id=user_id)


class FakeInvitations:
    def __init__(self, table: _Table[Invitation]) -> None:
        self.table = table

    async def add(self, invitation: Invitation) -> Invitation:
        return self.table.insert(invitation)

    async def get(self, invitation_id: int) -> Invitation | None:
        return next(iter(self.table.find(id=invitation_id)), None)

    async def get_by_token_hash(self, token_hash: str) -> Invitation | None:
        return next(iter(self.table.find(token_hash=token_hash)), None)

    async def list_active(self, *, created_by: int | None, now: datetime) -> list[Invitation]:
        return [
            i
            for i in self.table.find()
            if i.used_at is None and i.revoked_at is None and i.expires_at > now
            if created_by is None or i.created_by == created_by
        ]

    async def mark_used(self, invitation_id: int, *, user_id: int, now: datetime) -> bool:
        return self._consume(invitation_id, used_at=now, used_by=user_id)

    async def mark_revoked(self, invitation_id: int, *, now: datetime) -> bool:
        return self._consume(invitation_id, revoked_at=now)

    def _consume(self, invitation_id: int, **values: object) -> bool:
        row = self.table.rows.get(invitation_id)
        if row is None or row.used_at is not None or row.revoked_at is not None:
            return False
        self.table.rows[invitation_id] = replace(row, **values)
        return True


class FakeAuditLog:
    def __init__(self, entries: list[AuditEntry]) -> None:
        self.entries = entries

    async def record(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def list_recent(self, limit: int = 50) -> list[AuditEntry]:
        return list(reversed(self.entries))[:limit]


class FakeOutbox:
    def __init__(self, messages: list[OutgoingMessage], unreachable: set) -> None:
        self.messages = messages
        self.unreachable = unreachable

    async def enqueue(self, message: OutgoingMessage) -> bool:
        if any(m.idempotency_key == message.idempotency_key for m in self.messages):
            return False
        self.messages.append(message)
        return True

    async def set_reachable(self, channel, recipient, *, reachable, reason, now) -> None:
        (self.unreachable.discard if reachable else self.unreachable.add)((channel, recipient))


class FakeUnitOfWork:
    """Commits by snapshot: changes made without `commit()` are thrown away on exit,
    like the real unit of work rolls back."""

    def __call__(self) -> FakeUnitOfWork:
        """The same in-memory database: tests run one call at a time."""
        return self

    def __init__(self) -> None:
        self._state: tuple = (_Table(), _Table(), _Table(), _Table(), [], [], set())
        self.committed = 0
        self._working: tuple | None = None

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self._state)
        users, coaches, clients, invitations, audit, outbox, unreachable = self._working
        self.users = FakeUsers(users, coaches, clients)
        self.coaches = FakeCoaches(coaches)
        self.clients = FakeClients(clients)
        self.invitations = FakeInvitations(invitations)
        self.audit = FakeAuditLog(audit)
        self.outbox = FakeOutbox(outbox, unreachable)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._working = None

    async def commit(self) -> None:
        assert self._working is not None
        self._state = copy.deepcopy(self._working)
        self.committed += 1

    async def rollback(self) -> None:
        self._working = copy.deepcopy(self._state)

    @property
    def saved_invitations(self) -> list[Invitation]:
        return list(self._state[3].rows.values())

    @property
    def saved_audit(self) -> list[AuditEntry]:
        return list(self._state[4])

    @property
    def saved_outbox(self) -> list[OutgoingMessage]:
        return list(self._state[5])
