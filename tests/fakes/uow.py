"""An in-memory unit of work with every repository of the `UnitOfWork` protocol, for fast
unit tests of the use cases. tests/integration/test_fake_uow_contract.py runs the same
checks against it and the SQL unit of work, so the two cannot drift apart."""

from __future__ import annotations

import copy
from typing import Self

from coachbot.domain.invitations.model import Invitation
from coachbot.domain.outbox.model import OutgoingMessage
from coachbot.domain.shared.audit import AuditEntry
from tests.fakes.database import FakeDatabase
from tests.fakes.repositories.billing import FakeBilling
from tests.fakes.repositories.checkins import FakeCheckins, FakeMetrics, FakePhotos
from tests.fakes.repositories.forms import FakeForms
from tests.fakes.repositories.goals import FakeGoals
from tests.fakes.repositories.outbox import FakeOutbox
from tests.fakes.repositories.people import (
    FakeAuditLog,
    FakeClients,
    FakeCoaches,
    FakeConsents,
    FakeInvitations,
    FakeUsers,
)
from tests.fakes.repositories.progress import FakeAchievements, FakeCustomMetrics, FakeReports


class FakeUnitOfWork:
    """Commits by snapshot: each unit works on a copy of the database, `commit()` makes the
    copy the database, and changes made without `commit()` are thrown away on exit, like
    the real unit of work rolls back."""

    def __init__(self) -> None:
        self.db = FakeDatabase()  # what is committed
        self.committed = 0
        self._working: FakeDatabase | None = None

    def __call__(self) -> FakeUnitOfWork:
        """The same in-memory database: tests run one call at a time."""
        return self

    async def __aenter__(self) -> Self:
        if self._working is not None:
            raise RuntimeError("this unit of work is already open")
        self._bind(copy.deepcopy(self.db))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._working = None

    async def commit(self) -> None:
        assert self._working is not None, "commit outside `async with uow`"
        self.db = copy.deepcopy(self._working)
        self.committed += 1

    async def rollback(self) -> None:
        assert self._working is not None
        self._bind(copy.deepcopy(self.db))

    def _bind(self, db: FakeDatabase) -> None:
        self._working = db
        self.users = FakeUsers(db)
        self.coaches = FakeCoaches(db)
        self.clients = FakeClients(db)
        self.invitations = FakeInvitations(db)
        self.audit = FakeAuditLog(db)
        self.outbox = FakeOutbox(db)
        self.forms = FakeForms(db)
        self.consents = FakeConsents(db)
        self.goals = FakeGoals(db)
        self.checkins = FakeCheckins(db)
        self.photos = FakePhotos(db)
        self.metrics = FakeMetrics(db)
        self.billing = FakeBilling(db)
        self.custom_metrics = FakeCustomMetrics(db)
        self.achievements = FakeAchievements(db)
        self.reports = FakeReports(db)

    # What is committed, for assertions.

    @property
    def saved_invitations(self) -> list[Invitation]:
        return list(self.db.invitations.rows.values())

    @property
    def saved_audit(self) -> list[AuditEntry]:
        return self.db.audit_entries()

    @property
    def saved_outbox(self) -> list[OutgoingMessage]:
        """Messages committed to be sent (not cancelled)."""
        return [row.message for row in self.db.outbox.rows.values() if row.status == "pending"]
