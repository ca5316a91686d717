"""Mapped tables. Constraint names are fixed by a naming convention so migrations and
error mapping can refer to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UQ_USERS_TELEGRAM_ID = "uq_users_telegram_id"
UQ_COACHES_USER_ID = "uq_coaches_user_id"
UQ_INVITATIONS_TOKEN_HASH = "uq_invitations_token_hash"
UQ_CLIENTS_COACH_ID_USER_ID = "uq_clients_coach_id_user_id"
# Constraint name -> (table, columns): SQLite reports violations by column names.
UNIQUE_COLUMNS = {
    UQ_COACHES_USER_ID: ("coaches", ("user_id",)),
    UQ_CLIENTS_COACH_ID_USER_ID: ("clients", ("coach_id", "user_id")),
}

CLIENT_STATUSES = ("invited", "onboarding", "active", "paused", "archived")
INVITATION_KINDS = ("coach", "client")


# Byte order (code point order for UTF-8): SQLite's default, PostgreSQL's "C" collation.
SORT_TEXT = Text().with_variant(Text(collation="C"), "postgresql")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(256))
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    units: Mapped[str] = mapped_column(String(16), default="metric", server_default="metric")
    preferred_name: Mapped[str | None] = mapped_column(String(64))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(16))
    height_cm: Mapped[float | None] = mapped_column(Float)
    reminder_time: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")
    quiet_start: Mapped[str] = mapped_column(String(5), default="22:00", server_default="22:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="07:00", server_default="07:00")
    allow_photo_forwarding: Mapped[bool] = mapped_column(default=False, server_default="0")


class CoachRow(Base):
    __tablename__ = "coaches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    display_name: Mapped[str] = mapped_column(String(256))
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    # The coach's check-in follow-up rules (domain: CheckinRules).
    checkin_nudge_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    checkin_grace_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    checkin_alert_after: Mapped[int] = mapped_column(default=2, server_default="2")


class ClientRow(Base):
    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint(_in("status", CLIENT_STATUSES), name="status"),
        UniqueConstraint("coach_id", "user_id"),
        # The client list's pages: one status at a time, by name then id (keyset).
        Index("ix_clients_coach_id_status_sort_name_id", "coach_id", "status", "sort_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Kept by the repository from the fields above, for the list's order and search:
    # the name case-folded (ordered byte-wise on every database, as Python orders it),
    # name + email + notes in lower case, and " tag1 tag2 ".
    sort_name: Mapped[str] = mapped_column(SORT_TEXT, default="", server_default="")
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    tag_text: Mapped[str] = mapped_column(Text, default=" ", server_default=" ")
    data_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class InvitationRow(Base):
    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(_in("kind", INVITATION_KINDS), name="kind"),
        Index("ix_invitations_created_by_expires_at", "created_by", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(String(256), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProcessedUpdateRow(Base):
    """Telegram update ids already claimed, so a redelivered update runs once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimed_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled", "missed")
# The claimable set: partial indexes over pending rows only, so the dispatcher's claim
# costs the same at 100 and at 100 000 messages waiting (sent rows never slow it down).
_PENDING = text("status = 'pending'")
_SENDING = text("status = 'sending'")


def _pending_index(name: str, *columns: str, where: Any = _PENDING) -> Index:
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


UQ_OUTBOX_IDEMPOTENCY_KEY = "uq_outbox_idempotency_key"


class OutboxRow(Base):
    """A message to deliver. Claimed rows carry the worker and the end of its lease."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_recipient_status", "channel", "recipient", "status"),
        # Due messages in the order they are claimed.
        _pending_index("ix_outbox_pending_not_before", "not_before", "id"),
        # Each chat's queue in order: is there an older message ahead of this one?
        _pending_index("ix_outbox_pending_chat", "channel", "recipient", "id"),
        # Messages past their send-by time.
        _pending_index("ix_outbox_pending_expires_at", "expires_at"),
        # Claims whose lease ran out (a dead worker's).
        _pending_index("ix_outbox_sending_lease_until", "lease_until", where=_SENDING),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(256))
    payload: Mapped[dict[str, Any]]
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class UnreachableRecipientRow(Base):
    """Recipients that refused delivery for good (a user who blocked the bot)."""

    __tablename__ = "unreachable_recipients"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(256), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime]


class LeaseRow(Base):
    """Named leases: which process leads the scheduler ticks, and until when."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class ConversationStateRow(Base):
    """Where each person is in a conversation (aiogram's FSM state and data) when there
    is no Redis, so that a restart does not lose it. `key` is aiogram's storage key."""

    __tablename__ = "conversation_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


FORM_RESPONSE_STATUSES = ("in_progress", "completed", "abandoned")


class FormTemplateRow(Base):
    """A version of a form. Versions are immutable: answers refer to the one they used."""

    __tablename__ = "form_templates"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    content: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class FormResponseRow(Base):
    """One person's way through one form version, saved after every answer."""

    __tablename__ = "form_responses"
    __table_args__ = (
        CheckConstraint(_in("status", FORM_RESPONSE_STATUSES), name="status"),
        Index("ix_form_responses_user_id_purpose_status", "user_id", "purpose", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("form_templates.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[dict[str, Any]]
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class ConsentRow(Base):
    """A person's acceptance of a legal text, by version and time (GDPR consent record)."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("user_id", "document", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    document: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime]


GOAL_CATEGORIES = ("weight", "body", "habit", "performance", "custom")


# Active goals whose coach was not told yet that their target date passed: the overdue
# tick's query says exactly this, so its partial index holds only goals it has work on.
GOALS_OVERDUE_UNFLAGGED = (
    "status = 'active' AND (overdue_flagged_for IS NULL OR overdue_flagged_for <> target_date)"
)


class GoalRow(Base):
    """A client's goal (the first one comes from onboarding; milestones come later)."""

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint(_in("category", GOAL_CATEGORIES), name="category"),
        Index(
            "ix_goals_overdue_unflagged_target_date",
            "target_date",
            "id",
            postgresql_where=text(GOALS_OVERDUE_UNFLAGGED),
            sqlite_where=text(GOALS_OVERDUE_UNFLAGGED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str | None] = mapped_column(String(32))
    target_value: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]
    start_value: Mapped[float | None] = mapped_column(Float)
    achieved_at: Mapped[datetime | None]
    overdue_flagged_for: Mapped[date | None] = mapped_column(Date)


CHECKIN_STATUSES = ("open", "submitted", "reviewed", "review_skipped", "closed")


class CheckinTemplateRow(Base):
    """A coach's check-in form; its questions are the versions of form `form_key`."""

    __tablename__ = "checkin_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    form_key: Mapped[str] = mapped_column(String(64), unique=True)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class CheckinPlanRow(Base):
    """When a client checks in: one plan per client. A paused or archived client's plan
    has no next due time (resuming computes it from then), so the due query's partial
    index holds only plans that can fall due."""

    __tablename__ = "checkin_plans"
    __table_args__ = (
        Index(
            "ix_checkin_plans_active_next_due_at",
            "next_due_at",
            "client_id",  # the tick's order: a batch is read off the index, no sort
            postgresql_where=text("active AND next_due_at IS NOT NULL"),
            sqlite_where=text("active = 1 AND next_due_at IS NOT NULL"),
        ),
    )

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    template_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_templates.id", ondelete="RESTRICT")
    )
    schedule: Mapped[dict[str, Any]]
    next_due_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime]


class CheckinRow(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        # A tick that runs twice cannot open the same check-in twice.
        UniqueConstraint("client_id", "due_at"),
        CheckConstraint(_in("status", CHECKIN_STATUSES), name="status"),
        Index("ix_checkins_status_due_at", "status", "due_at"),
        Index("ix_checkins_coach_id_status_submitted_at", "coach_id", "status", "submitted_at"),
        # The follow-up tick reads only the check-ins with a next action (open ones: the
        # others have none), by its time. No status in the predicate: SQLite would then
        # read by the status index instead.
        Index(
            "ix_checkins_next_action_at",
            "next_action_at",
            "id",
            postgresql_where=text("next_action_at IS NOT NULL"),
            sqlite_where=text("next_action_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    template_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_templates.id", ondelete="RESTRICT")
    )
    form_key: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_responses.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]
    missed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_feedback_at: Mapped[datetime | None]
    # When the follow-up tick next has work here (nudge, then missed); None when none.
    next_action_at: Mapped[datetime | None]


class CheckinMessageRow(Base):
    """The thread of one check-in: the coach's feedback (text, voice, photo)."""

    __tablename__ = "checkin_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime]


class PhotoRow(Base):
    """A progress photo; the image itself is an encrypted blob (storage/blobs.py)."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="SET NULL"), index=True
    )
    blob_key: Mapped[str] = mapped_column(String(64))
    thumbnail_key: Mapped[str] = mapped_column(String(64))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime]


class MetricEntryRow(Base):
    """One measurement in SI units (kg, cm, %)."""

    __tablename__ = "metric_entries"
    __table_args__ = (
        Index(
            "ix_metric_entries_client_id_metric_measured_at", "client_id", "metric", "measured_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    measured_at: Mapped[datetime]
    created_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))
    checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="SET NULL"), index=True
    )


# -- billing (appended) ----------------------------------------------------------------

PAYMENT_STATUSES = ("pending", "paid", "failed", "void")
CHECKOUT_STATUSES = ("offered", "open", "complete", "expired")
REFUND_STATUSES = ("requested", "succeeded", "failed", "cancelled")
PK_STRIPE_EVENTS = "pk_stripe_events"
UNIQUE_COLUMNS[PK_STRIPE_EVENTS] = ("stripe_events", ("event_id",))


class BillingSettingsRow(Base):
    """A coach's billing rules; no row means the defaults."""

    __tablename__ = "billing_settings"

    coach_id: Mapped[int] = mapped_column(
        ForeignKey("coaches.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    require_subscription: Mapped[bool] = mapped_column(default=False)
    grace_days: Mapped[int] = mapped_column(Integer, default=3)
    stripe_account: Mapped[str | None] = mapped_column(String(64))


class PackageRow(Base):
    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    interval: Mapped[str | None] = mapped_column(String(8))
    trial_days: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    stripe_product_id: Mapped[str | None] = mapped_column(String(64))
    stripe_price_id: Mapped[str | None] = mapped_column(String(64), index=True)
    payment_link_id: Mapped[str | None] = mapped_column(String(64))
    payment_link_url: Mapped[str | None] = mapped_column(String(512))
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CheckoutRow(Base):
    """A package offered to a client and the checkout session opened for it."""

    __tablename__ = "checkouts"
    __table_args__ = (CheckConstraint(_in("status", CHECKOUT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    stripe_session_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    url: Mapped[str | None] = mapped_column(String(1024))
    expires_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class BillingCustomerRow(Base):
    """The provider's customer for a client (created once, reused)."""

    __tablename__ = "billing_customers"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    stripe_customer_id: Mapped[str] = mapped_column(String(64), unique=True)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id", ondelete="SET NULL"))
    stripe_subscription_id: Mapped[str] = mapped_column(String(64), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), index=True)
    price_id: Mapped[str | None] = mapped_column(String(64))
    item_id: Mapped[str | None] = mapped_column(String(64))
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    paused: Mapped[bool] = mapped_column(default=False)
    past_due_since: Mapped[datetime | None]
    lapsed_notified_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="status"),
        Index("ix_payments_coach_id_created_at", "coach_id", "created_at"),
        Index("ix_payments_status_failed_at", "status", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id", ondelete="SET NULL"))
    stripe_ref: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(80), default="")
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(64))
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(1024))
    invoice_pdf_url: Mapped[str | None] = mapped_column(String(1024))
    customer_email: Mapped[str | None] = mapped_column(String(256))
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    dunning_reminded_at: Mapped[datetime | None]


class RefundRow(Base):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint(_in("status", REFUND_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    stripe_refund_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class StripeEventRow(Base):
    """Provider events already processed (each is acted on once)."""

    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    processed_at: Mapped[datetime] = mapped_column(index=True)


class CustomMetricRow(Base):
    """A metric a coach defined, for one client or for all of theirs (client_id NULL)."""

    __tablename__ = "custom_metrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)
    decimals: Mapped[int] = mapped_column(default=1)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class GoalMilestoneRow(Base):
    __tablename__ = "goal_milestones"
    __table_args__ = (UniqueConstraint("goal_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    position: Mapped[int]
    value: Mapped[float] = mapped_column(Float)
    reached_at: Mapped[datetime | None]


GOAL_CHANGE_STATUSES = ("proposed", "approved", "edited", "declined", "applied")


class GoalChangeRow(Base):
    """A goal's history: every change of target or date, proposed or made."""

    __tablename__ = "goal_changes"
    __table_args__ = (CheckConstraint(_in("status", GOAL_CHANGE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_coach: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    old_target: Mapped[float | None] = mapped_column(Float)
    old_date: Mapped[date | None] = mapped_column(Date)
    new_target: Mapped[float | None] = mapped_column(Float)
    new_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]


class AchievementRow(Base):
    """A badge a client earned; the unique key makes every one count once."""

    __tablename__ = "achievements"
    __table_args__ = (UniqueConstraint("client_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    achieved_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReportPlanRow(Base):
    """A client's monthly progress report: on or off, and when the next one is due."""

    __tablename__ = "report_plans"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class GeneratedFileRow(Base):
    """A generated report or export, encrypted in the blob store until it is delivered."""

    __tablename__ = "generated_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    blob_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    created_at: Mapped[datetime]
    delete_after: Mapped[datetime] = mapped_column(index=True)
