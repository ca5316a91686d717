"""The fake unit of work's whole database: every table the SQL schema has for a repository.

A unit of work works on a deep copy and `commit()` writes that copy back, so a snapshot
is the transaction (and a rollback is throwing the copy away).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from coachbot.domain.billing.model import (
    BillingSettings,
    Checkout,
    Package,
    Payment,
    Refund,
    Subscription,
)
from coachbot.domain.checkins.model import (
    Checkin,
    CheckinPlan,
    CheckinTemplate,
    MetricEntry,
    Photo,
    ThreadMessage,
)
from coachbot.domain.forms.responses import FormResponse
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.goals.model import Achievement, Goal, GoalChange, Milestone
from coachbot.domain.invitations.model import Invitation
from coachbot.domain.outbox.model import OutgoingMessage
from coachbot.domain.people.model import Client, Coach, User
from coachbot.domain.progress.metrics import CustomMetric
from coachbot.domain.progress.reports import GeneratedFile, ReportPlan
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.errors import AlreadyClientError, AlreadyCoachError
from tests.fakes.table import Table


@dataclass
class TemplateRow:
    key: str
    version: int
    template: FormTemplate
    created_at: datetime
    id: int | None = None


@dataclass
class ConsentRow:
    user_id: int
    document: str
    version: str
    accepted_at: datetime
    id: int | None = None


@dataclass
class AuditRow:
    entry: AuditEntry  # frozen, without an id: the row carries one
    id: int | None = None


@dataclass
class OutboxRow:
    message: OutgoingMessage
    idempotency_key: str
    status: str = "pending"
    id: int | None = None


@dataclass
class FakeDatabase:
    users: Table[User] = field(default_factory=lambda: Table([("telegram_id",)]))
    coaches: Table[Coach] = field(
        default_factory=lambda: Table([("user_id",)], {("user_id",): AlreadyCoachError})
    )
    clients: Table[Client] = field(
        default_factory=lambda: Table(
            [("coach_id", "user_id")],
            {("coach_id", "user_id"): AlreadyClientError},
            json_fields=["tags"],
        )
    )
    invitations: Table[Invitation] = field(default_factory=lambda: Table([("token_hash",)]))
    consents: Table[ConsentRow] = field(
        default_factory=lambda: Table([("user_id", "document", "version")])
    )
    audit: Table[AuditRow] = field(default_factory=Table)
    outbox: Table[OutboxRow] = field(default_factory=lambda: Table([("idempotency_key",)]))
    unreachable: dict[tuple[str, str], str] = field(default_factory=dict)
    form_templates: Table[TemplateRow] = field(default_factory=lambda: Table([("key", "version")]))
    form_responses: Table[FormResponse] = field(default_factory=Table)
    goals: Table[Goal] = field(default_factory=Table)
    milestones: Table[Milestone] = field(default_factory=lambda: Table([("goal_id", "position")]))
    goal_changes: Table[GoalChange] = field(default_factory=Table)
    checkin_templates: Table[CheckinTemplate] = field(
        default_factory=lambda: Table([("form_key",)])
    )
    checkin_plans: dict[int, CheckinPlan] = field(default_factory=dict)  # by client id
    checkins: Table[Checkin] = field(default_factory=lambda: Table([("client_id", "due_at")]))
    thread: Table[ThreadMessage] = field(default_factory=Table)
    photos: Table[Photo] = field(default_factory=Table)
    metrics: Table[MetricEntry] = field(default_factory=Table)
    custom_metrics: Table[CustomMetric] = field(default_factory=Table)
    achievements: Table[Achievement] = field(
        default_factory=lambda: Table([("client_id", "key")], json_fields=["details"])
    )
    report_plans: dict[int, ReportPlan] = field(default_factory=dict)  # by client id
    generated_files: Table[GeneratedFile] = field(default_factory=Table)
    billing_settings: dict[int, BillingSettings] = field(default_factory=dict)  # by coach id
    packages: Table[Package] = field(default_factory=Table)
    checkouts: Table[Checkout] = field(default_factory=lambda: Table([("stripe_session_id",)]))
    customers: dict[int, str] = field(default_factory=dict)  # client id -> Stripe customer
    subscriptions: Table[Subscription] = field(
        default_factory=lambda: Table([("stripe_subscription_id",)])
    )
    payments: Table[Payment] = field(default_factory=lambda: Table([("stripe_ref",)]))
    refunds: Table[Refund] = field(default_factory=Table)
    stripe_events: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def audit_entries(self) -> list[AuditEntry]:
        return [row.entry for row in self.audit.rows.values()]

    def bump_data_versions(self, where) -> None:
        """The progress data of the clients `where` picks changed (as the SQL stores do)."""
        for client in self.clients.rows.values():
            if where(client):
                client.data_version += 1
