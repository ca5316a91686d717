"""What Coachbot keeps about packages, sales, subscriptions, payments and refunds.

The payment provider is the source of truth for money; these records mirror it. Each is
updated from the provider's current view of the object (never from the order events
arrived in), and every change is monotonic where money is concerned: a paid payment
stays paid, refunded amounts only grow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from coachbot.domain.shared.errors import InvalidDetailError

MAX_TRIAL_DAYS = 730  # Stripe's limit
MAX_GRACE_DAYS = 30


class Interval(StrEnum):
    week = "week"
    month = "month"
    year = "year"


@dataclass
class BillingSettings:
    """A coach's billing rules. `stripe_account` is a Stripe Connect account id; None
    sells on the platform's own account."""

    coach_id: int
    require_subscription: bool = False  # coaching features need an active subscription
    grace_days: int = 3  # after a failed payment, access lasts this long
    stripe_account: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.grace_days <= MAX_GRACE_DAYS:
            raise InvalidDetailError("grace_days", "out_of_range")

    def grants_access(self, subscriptions: Iterable[Subscription], now: datetime) -> bool:
        """Whether a client with these subscriptions (to this coach) may be coached."""
        return not self.require_subscription or any(
            subscription.grants_access(now, self.grace_days) for subscription in subscriptions
        )


@dataclass
class Package:
    coach_id: int
    name: str
    description: str
    amount: int  # minor units
    currency: str
    interval: Interval | None  # None: a one-off payment
    trial_days: int
    created_at: datetime
    updated_at: datetime
    version: int = 1  # bumped by every price change: names the provider request
    stripe_product_id: str | None = None
    stripe_price_id: str | None = None
    payment_link_id: str | None = None
    payment_link_url: str | None = None
    archived: bool = False
    id: int | None = None

    @property
    def recurring(self) -> bool:
        return self.interval is not None

    @property
    def published(self) -> bool:
        """Known to the provider with its current price: can be sold."""
        return self.stripe_price_id is not None and not self.archived


class CheckoutStatus(StrEnum):
    offered = "offered"  # the coach sent it; the client has not opened checkout yet
    open = "open"  # a checkout session is waiting for payment
    complete = "complete"
    expired = "expired"  # the session expired unpaid; the client can open a new one


@dataclass
class Checkout:
    """One package offered to one client, and the checkout sessions opened for it."""

    coach_id: int
    client_id: int
    package_id: int
    created_at: datetime
    status: CheckoutStatus = CheckoutStatus.offered
    attempt: int = 0  # checkout sessions opened so far: names the provider request
    stripe_session_id: str | None = None
    url: str | None = None
    expires_at: datetime | None = None
    completed_at: datetime | None = None
    id: int | None = None


class SubscriptionStatus(StrEnum):
    """A subscription's status (the provider's are mapped onto these by the integration;
    the values are stored)."""

    incomplete = "incomplete"
    incomplete_expired = "incomplete_expired"
    trialing = "trialing"
    active = "active"
    past_due = "past_due"
    unpaid = "unpaid"
    canceled = "canceled"
    paused = "paused"


LIVE_STATUSES = (SubscriptionStatus.trialing, SubscriptionStatus.active)
ENDED_STATUSES = (SubscriptionStatus.canceled, SubscriptionStatus.incomplete_expired)


@dataclass
class Subscription:
    coach_id: int
    client_id: int
    stripe_subscription_id: str
    stripe_customer_id: str
    status: SubscriptionStatus
    created_at: datetime
    updated_at: datetime
    package_id: int | None = None
    price_id: str | None = None
    item_id: str | None = None  # the subscription item whose price a plan change swaps
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    paused: bool = False  # collection paused by the coach
    past_due_since: datetime | None = None
    lapsed_notified_at: datetime | None = None
    version: int = 0  # coach's changes so far: names the provider request
    id: int | None = None

    @property
    def ended(self) -> bool:
        return self.status in ENDED_STATUSES

    def grants_access(self, now: datetime, grace_days: int) -> bool:
        if self.status in LIVE_STATUSES:
            return True
        if self.status is SubscriptionStatus.past_due and self.past_due_since is not None:
            return now < self.past_due_since + timedelta(days=grace_days)
        return False

    def apply(self, state: SubscriptionState, now: datetime) -> bool:
        """Take the provider's current view; True if the status changed."""
        changed = state.status is not self.status
        if state.status is SubscriptionStatus.past_due and self.past_due_since is None:
            self.past_due_since = now
        if state.status in LIVE_STATUSES:
            self.past_due_since = None
            self.lapsed_notified_at = None
        self.status = state.status
        self.price_id = state.price_id
        self.item_id = state.item_id
        self.current_period_end = state.current_period_end
        self.cancel_at_period_end = state.cancel_at_period_end
        self.paused = state.paused
        self.updated_at = now
        return changed


class PaymentKind(StrEnum):
    one_off = "one_off"  # a Checkout payment for a one-off package
    invoice = "invoice"  # a subscription invoice


class PaymentStatus(StrEnum):
    pending = "pending"  # e.g. a bank debit not settled yet
    paid = "paid"
    failed = "failed"  # the card was declined; the invoice can still be paid
    void = "void"


@dataclass
class Payment:
    coach_id: int
    client_id: int | None  # None: paid through a payment link by someone unknown
    stripe_ref: str  # the invoice id, or the payment intent id of a one-off payment
    kind: PaymentKind
    amount: int
    currency: str
    status: PaymentStatus
    created_at: datetime
    description: str = ""
    package_id: int | None = None
    payment_intent_id: str | None = None
    stripe_subscription_id: str | None = None
    hosted_invoice_url: str | None = None
    invoice_pdf_url: str | None = None
    customer_email: str | None = None
    paid_at: datetime | None = None
    failed_at: datetime | None = None
    refunded_amount: int = 0
    dunning_reminded_at: datetime | None = None
    id: int | None = None

    @property
    def refundable(self) -> int:
        if self.status is not PaymentStatus.paid or self.payment_intent_id is None:
            return 0
        return self.amount - self.refunded_amount

    @property
    def net(self) -> int:
        return self.amount - self.refunded_amount if self.status is PaymentStatus.paid else 0


class RefundStatus(StrEnum):
    requested = "requested"  # waiting for the coach's confirmation
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


@dataclass
class Refund:
    payment_id: int
    coach_id: int
    amount: int
    currency: str
    requested_by: int  # user id
    created_at: datetime
    status: RefundStatus = RefundStatus.requested
    stripe_refund_id: str | None = None
    error: str | None = None
    id: int | None = None


# -- what the provider tells us ------------------------------------------------------


class CheckoutSessionStatus(StrEnum):
    open = "open"
    complete = "complete"
    expired = "expired"


class CheckoutPaymentStatus(StrEnum):
    paid = "paid"
    unpaid = "unpaid"
    no_payment_required = "no_payment_required"


class CheckoutMode(StrEnum):
    payment = "payment"  # a one-off payment
    subscription = "subscription"
    setup = "setup"  # saving a card only


class InvoiceStatus(StrEnum):
    draft = "draft"
    open = "open"
    paid = "paid"
    uncollectible = "uncollectible"
    void = "void"


@dataclass(frozen=True)
class CheckoutState:
    id: str
    status: CheckoutSessionStatus
    payment_status: CheckoutPaymentStatus
    mode: CheckoutMode
    customer_id: str | None
    subscription_id: str | None
    payment_intent_id: str | None
    amount_total: int
    currency: str
    client_reference_id: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    payment_link_id: str | None = None
    customer_email: str | None = None


@dataclass(frozen=True)
class SubscriptionState:
    id: str
    status: SubscriptionStatus
    customer_id: str
    price_id: str | None
    item_id: str | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    paused: bool
    metadata: dict[str, str] = field(default_factory=dict)
    customer_email: str | None = None  # who to match when the metadata names no client


@dataclass(frozen=True)
class InvoiceState:
    id: str
    status: InvoiceStatus
    subscription_id: str | None
    customer_id: str | None
    amount_due: int
    currency: str
    attempt_count: int
    hosted_invoice_url: str | None
    invoice_pdf_url: str | None
    payment_intent_id: str | None
    customer_email: str | None = None


@dataclass(frozen=True)
class ChargeState:
    id: str
    payment_intent_id: str | None
    amount: int
    amount_refunded: int
    currency: str


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str
    amount: int


class SubscriptionChange(StrEnum):
    pause = "pause"
    resume = "resume"
    cancel_at_period_end = "cancel_at_period_end"
    keep = "keep"  # undo a cancellation at period end
    cancel_now = "cancel_now"
    change_price = "change_price"


# The changes to whether a subscription ends with its period, and the value each sets.
ENDING_CHANGES = {SubscriptionChange.cancel_at_period_end: True, SubscriptionChange.keep: False}


@dataclass(frozen=True, kw_only=True)
class CheckoutRequest:
    customer_id: str
    price_id: str
    recurring: bool
    trial_days: int
    client_reference_id: str
    metadata: dict[str, str]
    success_url: str
    cancel_url: str
    locale: str
    idempotency_key: str
    account: str | None = None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    expires_at: datetime


def metadata_ids(metadata: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """The (coach, client, package) ids we wrote into an object's metadata."""

    def number(key: str) -> int | None:
        value = str(metadata.get(key) or "")
        return int(value) if value.isdigit() else None

    return number("coach_id"), number("client_id"), number("package_id")
