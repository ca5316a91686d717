"""Where users, coaches, clients and their consents are kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from coachbot.domain.people.model import (
    Client,
    ClientCursor,
    ClientFilter,
    ClientStatus,
    Coach,
    User,
    UserRoles,
)


class EmailAddresses(Protocol):
    """Checks an e-mail address a person typed (syntax only, nothing is looked up)."""

    def normalise(self, address: str) -> str:
        """The address as it is stored (the domain in lower case, Unicode normalised);
        raises InvalidDetailError("email", "invalid") for anything that is not one address
        (a display name, angle brackets, a missing domain, ...)."""
        ...


class UserRepository(Protocol):
    async def add(self, user: User) -> User: ...
    async def get(self, user_id: int) -> User | None: ...
    async def get_by_telegram_id(self, telegram_id: int) -> User | None: ...
    async def with_roles(self, telegram_id: int) -> UserRoles | None:
        """The user, their coach record and their client records, in one read."""
        ...

    async def update(self, user: User) -> None: ...


class CoachRepository(Protocol):
    async def add(self, coach: Coach) -> Coach: ...
    async def get(self, coach_id: int) -> Coach | None: ...
    async def get_by_user(self, user_id: int) -> Coach | None: ...
    async def update(self, coach: Coach) -> None: ...


class ClientRepository(Protocol):
    async def add(self, client: Client) -> Client: ...
    async def get(self, client_id: int) -> Client | None: ...
    async def update(self, client: Client) -> None: ...
    async def list_for_coach(self, coach_id: int) -> Sequence[Client]: ...
    async def list_for_user(self, user_id: int) -> Sequence[Client]: ...
    async def page_for_coach(
        self,
        coach_id: int,
        which: ClientFilter,
        *,
        limit: int,
        after: ClientCursor | None = None,
        before: ClientCursor | None = None,
    ) -> Sequence[Client]:
        """Clients in list order (`list_order`): the first `limit` after `after`, or the
        last `limit` before `before` (still in list order). A cursor whose client is gone
        counts as none."""
        ...

    async def count_for_coach(
        self, coach_id: int, which: ClientFilter
    ) -> tuple[dict[ClientStatus, int], int]:
        """(the coach's clients by status, statuses without clients left out; how many
        of them `which` picks), in one read."""
        ...


class ConsentRepository(Protocol):
    async def record(self, *, user_id: int, document: str, version: str, at: datetime) -> None:
        """Store an acceptance (once per document version)."""
        ...

    async def has(self, *, user_id: int, document: str, version: str) -> bool: ...
