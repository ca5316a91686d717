"""Ports the domain needs from the outside world; storage/ implements them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, Self

from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.model import AuditEntry, Client, Coach, Invitation, OutgoingMessage, User
from coachbot.domain.model.goals import Goal
from coachbot.domain.model.outbox import Channel, ClaimedMessage


class UserRepository(Protocol):
    async def add(self, user: User) -> User: ...
    async def get(self, user_id: int) -> User | None: ...
    async def get_by_telegram_id(self, telegram_id: int) -> User | None: ...
    async def update(self, user: User) -> None: ...


class CoachRepository(Protocol):
    async def add(self, coach: Coach) -> Coach: ...
    async def get(self, coach_id: int) -> Coach | None: ...
    async def get_by_user(self, user_id: int) -> Coach | None: ...


class ClientRepository(Protocol):
    async def add(self, client: Client) -> Client: ...
    async def get(self, client_id: int) -> Client | None: ...
    async def update(self, client: Client) -> None: ...
    async def list_for_coach(self, coach_id: int) -> Sequence[Client]: ...
    async def list_for_user(self, user_id: int) -> Sequence[Client]: ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> Invitation: ...
    async def get(self, invitation_id: int) -> Invitation | None: ...
    async def get_by_token_hash(self, token_hash: str) -> Invitation | None: ...
    async def list_active(
        self, *, created_by: int | None, now: datetime
    ) -> Sequence[Invitation]: ...
    async def mark_used(self, invitation_id: int, *, user_id: int, now: datetime) -> bool:
        """Atomically consume: True only for the one caller that won the race."""
        ...

    async def mark_revoked(self, invitation_id: int, *, now: datetime) -> bool: ...
    async def active_for_client(self, client_id: int, *, now: datetime) -> Sequence[Invitation]: ...


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def list_recent(self, limit: int = 50) -> Sequence[AuditEntry]: ...


class GoalRepository(Protocol):
    async def add(self, goal: Goal) -> Goal: ...
    async def list_for_client(self, client_id: int) -> Sequence[Goal]: ...


class ConsentRepository(Protocol):
    async def record(self, *, user_id: int, document: str, version: str, at: datetime) -> None:
        """Store an acceptance (once per document version)."""
        ...

    async def has(self, *, user_id: int, document: str, version: str) -> bool: ...


class Outbox(Protocol):
    async def enqueue(self, message: OutgoingMessage) -> bool:
        """Store a message to send once the unit of work commits. A second message with the
        same idempotency key is ignored (False): retried business code sends nothing twice."""
        ...

    async def set_reachable(
        self, channel: Channel, recipient: str, *, reachable: bool, reason: str, now: datetime
    ) -> None:
        """A recipient who blocked the bot gets nothing more until they come back."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Rolls back on exit unless `commit()` was awaited."""

    users: UserRepository
    coaches: CoachRepository
    clients: ClientRepository
    invitations: InvitationRepository
    audit: AuditLog
    outbox: Outbox
    forms: FormRepository
    consents: ConsentRepository
    goals: GoalRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc_info: object) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UpdateClaim(StrEnum):
    claimed = "claimed"  # new, or abandoned by a worker that died: handle it
    done = "already handled"
    busy = "being handled by another worker"


class UpdateLedger(Protocol):
    """Remembers which Telegram update ids were handled, shared by all processes."""

    async def claim(
        self, update_id: int, *, now: datetime, lease_seconds: float
    ) -> UpdateClaim: ...

    async def finish(self, update_id: int, *, now: datetime) -> None: ...
    async def prune(self, *, older_than: datetime) -> int: ...


class OutboxQueue(Protocol):
    """The dispatcher's side of the outbox, shared by every worker process."""

    async def claim(
        self, *, worker: str, limit: int, now: datetime, lease_seconds: float
    ) -> Sequence[ClaimedMessage]:
        """Due messages, at most one per recipient and none for a recipient another worker
        is sending to, marked as being sent by `worker` until the lease runs out. Messages
        past their send-by time are marked missed; those to unreachable recipients failed."""
        ...

    async def renew(
        self, message_id: int, *, worker: str, now: datetime, lease_seconds: float
    ) -> bool:
        """Extend the lease right before sending; False if the claim was lost (the lease ran
        out and another worker may have the message now): then do not send."""
        ...

    async def mark_sent(
        self, message_id: int, *, sent_message_id: int | None, now: datetime
    ) -> None: ...
    async def retry_later(self, message_id: int, *, not_before: datetime, error: str) -> None: ...
    async def release(self, message_id: int, *, not_before: datetime) -> None:
        """Give a claimed message back untouched (not counted as an attempt)."""
        ...

    async def release_all(self, *, worker: str, now: datetime) -> int:
        """Give back every claim `worker` still holds (on shutdown, nothing is in flight)."""
        ...

    async def fail(self, message_id: int, *, error: str, now: datetime) -> None: ...
    async def mark_unreachable(
        self, channel: Channel, recipient: str, *, reason: str, now: datetime
    ) -> None: ...
    async def purge_finished(self, *, older_than: datetime) -> int: ...


class Leases(Protocol):
    async def acquire(
        self, name: str, *, holder: str, now: datetime, ttl_seconds: float
    ) -> bool: ...
    async def release(self, name: str, *, holder: str) -> None: ...


class FormRepository(Protocol):
    async def add_template(self, template: FormTemplate, *, now: datetime) -> bool:
        """Store a template version unless it exists (versions never change)."""
        ...

    async def latest_template(self, key: str) -> tuple[int, FormTemplate] | None: ...
    async def add_response(self, response: FormResponse) -> FormResponse: ...
    async def get_response(self, response_id: int) -> FormResponse | None: ...
    async def open_response(self, *, user_id: int, purpose: str) -> FormResponse | None: ...
    async def save_response(self, response: FormResponse) -> None: ...
    async def has_completed(self, *, user_id: int, purpose: str) -> bool: ...
    async def completed_answers(self, *, user_id: int, purpose: str) -> dict[str, Any] | None:
        """The answers of the latest completed response for `purpose`, if any."""
        ...

    async def last_activity(self, *, user_id: int) -> datetime | None:
        """When the person last answered anything."""
        ...
