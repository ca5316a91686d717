"""The unit of work: one session, one transaction, repositories as attributes."""

from __future__ import annotations

from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coachbot.domain.billing.errors import DuplicateEventError
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
from coachbot.domain.shared.errors import AlreadyClientError, AlreadyCoachError, DomainError
from coachbot.domain.shared.ports import AuditLog
from coachbot.storage import tables
from coachbot.storage.repositories import (
    SqlAuditLog,
    SqlClientRepository,
    SqlCoachRepository,
    SqlInvitationRepository,
    SqlOutbox,
    SqlUserRepository,
)
from coachbot.storage.repositories.billing import SqlBillingRepository
from coachbot.storage.repositories.checkins import (
    SqlCheckinRepository,
    SqlMetricRepository,
    SqlPhotoRepository,
)
from coachbot.storage.repositories.consents import SqlConsentRepository
from coachbot.storage.repositories.forms import SqlFormRepository
from coachbot.storage.repositories.goals import SqlGoalRepository
from coachbot.storage.repositories.progress import (
    SqlAchievementRepository,
    SqlCustomMetricRepository,
    SqlReportRepository,
)

# Constraint name -> the domain error a violation means. A race the service's own
# checks cannot see (two processes, one row) surfaces here.
CONSTRAINT_ERRORS: dict[str, type[DomainError]] = {
    tables.UQ_COACHES_USER_ID: AlreadyCoachError,
    tables.UQ_CLIENTS_COACH_ID_USER_ID: AlreadyClientError,
    tables.PK_STRIPE_EVENTS: DuplicateEventError,
}


class SqlUnitOfWork:
    # Typed as the domain's ports: mypy checks each repository against its protocol.
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

    def __init__(self, session_factory: async_sessionmaker) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    def __call__(self) -> SqlUnitOfWork:
        """Another unit on the same database: a unit of work is also its own factory, so
        use cases built once at start-up open one per call."""
        return type(self)(self._session_factory)

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session_factory()
        self._session = session
        self.users = SqlUserRepository(session)
        self.coaches = SqlCoachRepository(session)
        self.clients = SqlClientRepository(session)
        self.invitations = SqlInvitationRepository(session)
        self.audit = SqlAuditLog(session)
        self.outbox = SqlOutbox(session)
        self.forms = SqlFormRepository(session)
        self.consents = SqlConsentRepository(session)
        self.goals = SqlGoalRepository(session)
        self.checkins = SqlCheckinRepository(session)
        self.photos = SqlPhotoRepository(session)
        self.metrics = SqlMetricRepository(session)
        self.billing = SqlBillingRepository(session)
        self.custom_metrics = SqlCustomMetricRepository(session)
        self.achievements = SqlAchievementRepository(session)
        self.reports = SqlReportRepository(session)
        await session.begin()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        exc = exc_info[1] if len(exc_info) > 1 else None
        session, self._session = self._session, None
        assert session is not None
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
        if isinstance(exc, IntegrityError):
            raise _domain_error(exc) from exc

    async def commit(self) -> None:
        assert self._session is not None, "commit outside `async with uow`"
        try:
            await self._session.commit()
        except IntegrityError as error:
            raise _domain_error(error) from error

    async def rollback(self) -> None:
        assert self._session is not None
        await self._session.rollback()


def _domain_error(error: IntegrityError) -> Exception:
    message = str(error.orig)
    for name, domain_error in CONSTRAINT_ERRORS.items():
        if name in message or _sqlite_columns_of(name) in message:
            return domain_error()
    return error


def _sqlite_columns_of(constraint: str) -> str:
    # SQLite names the columns, not the constraint:
    # "UNIQUE constraint failed: clients.coach_id, clients.user_id"
    table, columns = tables.UNIQUE_COLUMNS[constraint]
    return ", ".join(f"{table}.{column}" for column in columns)
