"""One repository per aggregate. Repositories never commit: the unit of work does."""

from coachbot.storage.repositories.audit import SqlAuditLog
from coachbot.storage.repositories.invitations import SqlInvitationRepository
from coachbot.storage.repositories.leases import SqlLeases
from coachbot.storage.repositories.outbox import SqlOutbox, SqlOutboxQueue
from coachbot.storage.repositories.people import (
    SqlClientRepository,
    SqlCoachRepository,
    SqlUserRepository,
)
from coachbot.storage.repositories.updates import SqlUpdateLedger

__all__ = [
    "SqlAuditLog",
    "SqlClientRepository",
    "SqlCoachRepository",
    "SqlInvitationRepository",
    "SqlLeases",
    "SqlOutbox",
    "SqlOutboxQueue",
    "SqlUpdateLedger",
    "SqlUserRepository",
]
