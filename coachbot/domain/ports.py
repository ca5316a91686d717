"""Ports the domain needs from the outside world; storage/ implements them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, Self

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
from coachbot.domain.model import (
    AuditEntry,
    Client,
    Coach,
    Invitation,
    OutgoingMessage,
    User,
    UserRoles,
)
from coachbot.domain.model.goals import Achievement, Goal, GoalChange, Milestone
from coachbot.domain.model.outbox import Channel, ClaimedMessage


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
    async def get(self, goal_id: int) -> Goal | None: ...
    async def update(self, goal: Goal) -> None: ...
    async def overdue(self, *, before: date, limit: int) -> Sequence[Goal]:
        """Active goals whose target date is before `before` (a day early of anyone's)."""
        ...

    async def list_milestones(self, goal_id: int) -> Sequence[Milestone]:
        """In order along the way."""
        ...

    async def replace_milestones(self, goal_id: int, values: Sequence[float]) -> None:
        """New milestones; ones already reached keep their date if their value stays."""
        ...

    async def mark_milestone_reached(self, milestone_id: int, *, at: datetime) -> bool:
        """True only for the one caller that marked it first."""
        ...

    async def add_change(self, change: GoalChange) -> GoalChange: ...
    async def get_change(self, change_id: int) -> GoalChange | None: ...
    async def save_change(self, change: GoalChange) -> None: ...
    async def list_changes(self, goal_id: int) -> Sequence[GoalChange]:
        """Oldest first: the goal's history."""
        ...


class CheckinRepository(Protocol):
    async def add_template(self, template: CheckinTemplate) -> CheckinTemplate: ...
    async def get_template(self, template_id: int) -> CheckinTemplate | None: ...
    async def list_templates(self, coach_id: int) -> Sequence[CheckinTemplate]: ...
    async def update_template(self, template: CheckinTemplate) -> None: ...
    async def get_plan(self, client_id: int) -> CheckinPlan | None: ...
    async def save_plan(self, plan: CheckinPlan) -> None: ...
    async def due_plans(self, *, now: datetime, limit: int) -> Sequence[CheckinPlan]:
        """Active plans of active clients whose next check-in is due by `now`."""
        ...

    async def add(self, checkin: Checkin) -> Checkin: ...
    async def get(self, checkin_id: int) -> Checkin | None: ...
    async def save(self, checkin: Checkin) -> None: ...
    async def open_checkins(self, *, due_before: datetime, limit: int) -> Sequence[Checkin]: ...
    async def open_for_client(self, client_id: int) -> Checkin | None: ...
    async def recent_for_client(self, client_id: int, *, limit: int) -> Sequence[Checkin]:
        """Newest first."""
        ...

    async def previous_submitted(self, checkin: Checkin) -> Checkin | None:
        """The client's last check-in submitted before this one was due."""
        ...

    async def review_queue(self, coach_id: int, *, limit: int) -> Sequence[Checkin]:
        """Submitted check-ins waiting for review, oldest submitted first."""
        ...

    async def count_review_queue(self, coach_id: int) -> int: ...
    async def add_message(self, message: ThreadMessage) -> ThreadMessage: ...
    async def list_messages(self, checkin_id: int) -> Sequence[ThreadMessage]: ...
    async def messages_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[ThreadMessage]:
        """The threads of these check-ins in one read, each in the order it was written."""
        ...


class PhotoRepository(Protocol):
    async def add(self, photo: Photo) -> Photo: ...
    async def get(self, photo_id: int) -> Photo | None: ...
    async def list(self, photo_ids: Sequence[int]) -> Sequence[Photo]: ...
    async def attach(self, photo_ids: Sequence[int], *, checkin_id: int) -> None: ...
    async def list_for_checkins(self, checkin_ids: Sequence[int]) -> Sequence[Photo]:
        """The photos of these check-ins, each check-in's in the order they were sent."""
        ...


class MetricRepository(Protocol):
    async def add(self, entry: MetricEntry) -> MetricEntry: ...
    async def list_for_client(self, client_id: int, metric: str) -> Sequence[MetricEntry]:
        """Oldest first."""
        ...

    async def get(self, entry_id: int) -> MetricEntry | None: ...
    async def update(self, entry: MetricEntry) -> None: ...
    async def delete(self, entry_id: int) -> None: ...
    async def recent(self, client_id: int, *, limit: int) -> Sequence[MetricEntry]:
        """The client's latest entries of any metric, newest first."""
        ...

    async def list_all(self, client_id: int) -> Sequence[MetricEntry]:
        """Every entry of the client, oldest first."""
        ...

    async def list_for_clients(
        self, client_ids: Sequence[int], metric: str, *, since: datetime
    ) -> Sequence[MetricEntry]:
        """Entries of several clients since `since`, oldest first (cohort figures)."""
        ...


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

    async def cancel(self, idempotency_key: str) -> bool:
        """Withdraw a message not sent yet (e.g. superseded); False if there was none."""
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
    async def get_response(
        self, response_id: int, *, for_update: bool = False
    ) -> FormResponse | None: ...
    async def get_responses(self, response_ids: Sequence[int]) -> Sequence[FormResponse]:
        """The responses with these ids (in no particular order), in one read."""
        ...

    async def open_response(self, *, user_id: int, purpose: str) -> FormResponse | None: ...
    async def save_response(self, response: FormResponse) -> None: ...
    async def has_completed(self, *, user_id: int, purpose: str) -> bool: ...
    async def completed_answers(self, *, user_id: int, purpose: str) -> dict[str, Any] | None:
        """The answers of the latest completed response for `purpose`, if any."""
        ...

    async def last_activity(self, *, user_id: int) -> datetime | None:
        """When the person last answered anything."""
        ...


# Appended after the other ports (kept at the end so this block merges cleanly).
from coachbot.domain.model.photos import ProcessedPhoto  # noqa: E402


class PhotoProcessor(Protocol):
    def process(self, data: bytes) -> ProcessedPhoto:
        """Decode, check and re-encode an uploaded photo; raises `InvalidPhoto`.
        CPU-bound: callers run it in a thread (`asyncio.to_thread`)."""
        ...


class BlobStore(Protocol):
    """Opaque binary files (photos), encrypted at rest."""

    async def put(self, data: bytes) -> str:
        """Store `data` and return a new opaque key."""
        ...

    async def get(self, key: str) -> bytes:
        """The stored bytes; `KeyError` for an unknown key."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is fine."""
        ...


# Billing (appended).
from coachbot.domain.billing.model import (  # noqa: E402
    BillingSettings,
    ChargeState,
    Checkout,
    CheckoutRequest,
    CheckoutSession,
    CheckoutState,
    InvoiceState,
    Package,
    Payment,
    Refund,
    RefundResult,
    Subscription,
    SubscriptionChange,
    SubscriptionState,
)


class BillingRepository(Protocol):
    async def settings(self, coach_id: int) -> BillingSettings:
        """The coach's rules (defaults when never set)."""
        ...

    async def save_settings(self, settings: BillingSettings) -> None: ...
    async def add_package(self, package: Package) -> Package: ...
    async def get_package(self, package_id: int) -> Package | None: ...
    async def save_package(self, package: Package) -> None: ...
    async def list_packages(self, coach_id: int) -> Sequence[Package]: ...
    async def package_by_price(self, price_id: str) -> Package | None: ...
    async def package_by_payment_link(self, link_id: str) -> Package | None: ...
    async def add_checkout(self, checkout: Checkout) -> Checkout: ...
    async def get_checkout(
        self, checkout_id: int, *, for_update: bool = False
    ) -> Checkout | None: ...
    async def checkout_by_session(self, session_id: str) -> Checkout | None: ...
    async def save_checkout(self, checkout: Checkout) -> None: ...
    async def customer_of(self, client_id: int) -> str | None: ...
    async def set_customer(self, client_id: int, customer_id: str) -> None: ...
    async def client_of_customer(self, customer_id: str) -> int | None: ...
    async def add_subscription(self, subscription: Subscription) -> Subscription: ...
    async def get_subscription(self, subscription_id: int) -> Subscription | None: ...
    async def subscription_by_stripe_id(self, stripe_id: str) -> Subscription | None: ...
    async def save_subscription(self, subscription: Subscription) -> None: ...
    async def subscriptions_of_client(self, client_id: int) -> Sequence[Subscription]:
        """Newest first."""
        ...

    async def past_due_subscriptions(self, *, limit: int) -> Sequence[Subscription]: ...
    async def add_payment(self, payment: Payment) -> Payment: ...
    async def get_payment(self, payment_id: int) -> Payment | None: ...
    async def payment_by_ref(self, stripe_ref: str) -> Payment | None: ...
    async def payment_by_intent(self, payment_intent_id: str) -> Payment | None: ...
    async def save_payment(self, payment: Payment) -> None: ...
    async def payments(
        self, *, coach_id: int, client_id: int | None = None, limit: int = 20
    ) -> Sequence[Payment]:
        """Newest first."""
        ...

    async def failed_payments(self, *, failed_before: datetime, limit: int) -> Sequence[Payment]:
        """Failed invoices not reminded about yet."""
        ...

    async def add_refund(self, refund: Refund) -> Refund: ...
    async def get_refund(self, refund_id: int, *, for_update: bool = False) -> Refund | None: ...
    async def save_refund(self, refund: Refund) -> None: ...
    async def refunded_by_us(self, payment_id: int) -> int:
        """The sum of the refunds Coachbot made on this payment."""
        ...

    async def record_event(self, event_id: str, event_type: str, *, at: datetime) -> bool:
        """Remember a provider event; False if it was seen before."""
        ...

    async def event_seen(self, event_id: str) -> bool: ...


class Payments(Protocol):
    """The payment provider (Stripe). Every request that changes something carries an
    idempotency `key` derived from the business operation, so a retried request never
    charges, refunds or creates twice. `account` is a connected account (None: the
    platform's own)."""

    async def create_product(
        self,
        *,
        name: str,
        description: str,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> str: ...
    async def update_product(
        self,
        product_id: str,
        *,
        name: str,
        description: str,
        active: bool,
        key: str,
        account: str | None,
    ) -> None: ...
    async def create_price(
        self,
        *,
        product_id: str,
        amount: int,
        currency: str,
        interval: str | None,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> str: ...
    async def archive_price(self, price_id: str, *, key: str, account: str | None) -> None: ...
    async def create_payment_link(
        self,
        *,
        price_id: str,
        recurring: bool,
        trial_days: int,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> tuple[str, str]:
        """(id, url)."""
        ...

    async def deactivate_payment_link(
        self, link_id: str, *, key: str, account: str | None
    ) -> None: ...
    async def create_customer(
        self,
        *,
        name: str,
        email: str | None,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> str: ...
    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...
    async def create_portal_session(
        self, *, customer_id: str, return_url: str, locale: str, key: str, account: str | None
    ) -> str:
        """The URL of a customer portal session."""
        ...

    async def change_subscription(
        self,
        subscription_id: str,
        change: SubscriptionChange,
        *,
        item_id: str | None,
        price_id: str | None,
        key: str,
        account: str | None,
    ) -> SubscriptionState: ...
    async def refund(
        self,
        *,
        payment_intent_id: str,
        amount: int,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> RefundResult: ...
    async def checkout_state(self, session_id: str, *, account: str | None) -> CheckoutState: ...
    async def subscription_state(
        self, subscription_id: str, *, account: str | None
    ) -> SubscriptionState: ...
    async def invoice_state(self, invoice_id: str, *, account: str | None) -> InvoiceState: ...
    async def charge_state(self, charge_id: str, *, account: str | None) -> ChargeState: ...


# -- progress: custom metrics, achievements, reports and the pictures and files ---------
from coachbot.domain.progress.metrics import CustomMetric  # noqa: E402
from coachbot.domain.progress.reports import GeneratedFile, ReportPlan  # noqa: E402
from coachbot.domain.progress.views import (  # noqa: E402
    ChartPanel,
    ClientRecord,
    MetricChart,
    PhotoComparison,
    ProgressReport,
)


class CustomMetricRepository(Protocol):
    async def add(self, metric: CustomMetric) -> CustomMetric: ...
    async def get(self, metric_id: int) -> CustomMetric | None: ...
    async def update(self, metric: CustomMetric) -> None: ...
    async def list_for_coach(self, coach_id: int) -> Sequence[CustomMetric]:
        """Archived ones too (their entries stay readable)."""
        ...


class AchievementRepository(Protocol):
    async def add(self, achievement: Achievement) -> bool:
        """Store it unless the client has it already (False): each is earned once."""
        ...

    async def list_for_client(self, client_id: int) -> Sequence[Achievement]:
        """Oldest first."""
        ...


class ReportRepository(Protocol):
    async def get_plan(self, client_id: int) -> ReportPlan | None: ...
    async def save_plan(self, plan: ReportPlan) -> None: ...
    async def due_plans(self, *, now: datetime, limit: int) -> Sequence[ReportPlan]:
        """Active plans of active clients whose next report is due by `now`."""
        ...

    async def add_file(self, file: GeneratedFile) -> GeneratedFile: ...
    async def expired_files(self, *, now: datetime, limit: int) -> Sequence[GeneratedFile]: ...
    async def delete_file(self, file_id: int) -> None: ...


class ChartRenderer(Protocol):
    """PNG charts. CPU-bound: callers run these in a thread (`asyncio.to_thread`)."""

    def metric_chart(self, chart: MetricChart) -> bytes: ...
    def panel_chart(self, panel: ChartPanel) -> bytes: ...


class PhotoComparer(Protocol):
    def compare(self, comparison: PhotoComparison) -> bytes:
        """One JPEG: the two check-ins' photos side by side. CPU-bound."""
        ...


class ReportRenderer(Protocol):
    def render(self, report: ProgressReport) -> bytes:
        """The PDF. CPU-bound."""
        ...


class ExportWriter(Protocol):
    def metrics_csv(self, record: ClientRecord) -> bytes: ...
    def archive(self, record: ClientRecord, *, part_bytes: int) -> list[bytes]:
        """The record as ZIP files of at most `part_bytes` each (data first, then the
        photos spread over the parts); raises `ExportTooLarge`. CPU-bound."""
        ...


class ChartCache(Protocol):
    """Rendered charts by a key that changes whenever the picture would."""

    async def get(self, key: str) -> bytes | None: ...
    async def put(self, key: str, image: bytes) -> None: ...
