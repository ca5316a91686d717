"""What every use case may rely on: the unit of work, the update ledger, leases, the audit log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol, Self

from coachbot.domain.billing.ports import BillingRepository
from coachbot.domain.checkins.ports import CheckinRepository, PhotoRepository
from coachbot.domain.forms.ports import FormRepository
from coachbot.domain.goals.ports import GoalRepository
from coachbot.domain.invitations.ports import InvitationRepository
from coachbot.domain.outbox.ports import Outbox
from coachbot.domain.people.ports import (
    ClientRepository,
    CoachRepository,
    ConsentRepository,
    UserRepository,
)
from coachbot.domain.progress.ports import (
    AchievementRepository,
    CustomMetricRepository,
    MetricRepository,
    ReportRepository,
)
from coachbot.domain.shared.audit import AuditEntry


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def list_recent(self, limit: int = 50) -> Sequence[AuditEntry]: ...


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
    checkins: CheckinRepository
    photos: PhotoRepository
    metrics: MetricRepository
    billing: BillingRepository
    custom_metrics: CustomMetricRepository
    achievements: AchievementRepository
    reports: ReportRepository

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
    async def release(self, update_id: int) -> None:
        """Give up an unfinished claim, so the update's redelivery is handled at once."""
        ...

    async def prune(self, *, older_than: datetime) -> int: ...


class Leases(Protocol):
    async def acquire(
        self, name: str, *, holder: str, now: datetime, ttl_seconds: float
    ) -> bool: ...
    async def release(self, name: str, *, holder: str) -> None: ...


# A use case is built once and serves concurrent updates: it opens a fresh unit of work
# for each call.
UnitOfWorkFactory = Callable[[], UnitOfWork]
