"""What the payment provider tells us happened, in our words.

The integration (`integrations/stripe_events.py`) turns each verified webhook into one of
these; the domain never sees the provider's event names. An event only names the object
that changed: its current state is read again when the event is acted on
(`billing/events.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ProviderEvent:
    event_id: str  # the provider's: each event is acted on once
    source: str  # the provider's name for it, kept with the record (not read here)
    account: str | None = None  # the connected account it came from


@dataclass(frozen=True, kw_only=True)
class CheckoutEvent(ProviderEvent):
    session_id: str


@dataclass(frozen=True, kw_only=True)
class CheckoutCompleted(CheckoutEvent):
    """A checkout finished, or its delayed payment (e.g. a bank debit) went through."""


@dataclass(frozen=True, kw_only=True)
class CheckoutPaymentFailed(CheckoutEvent):
    """A checkout's delayed payment failed: the client may try again."""


@dataclass(frozen=True, kw_only=True)
class CheckoutExpired(CheckoutEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class InvoiceEvent(ProviderEvent):
    invoice_id: str


@dataclass(frozen=True, kw_only=True)
class PaymentSucceeded(InvoiceEvent):
    """A plan's invoice was paid."""


@dataclass(frozen=True, kw_only=True)
class PaymentFailed(InvoiceEvent):
    """Collecting a plan's invoice failed (the provider retries)."""


@dataclass(frozen=True, kw_only=True)
class SubscriptionChanged(ProviderEvent):
    """A subscription was created, changed or ended."""

    subscription_id: str


@dataclass(frozen=True, kw_only=True)
class RefundIssued(ProviderEvent):
    """A charge was refunded (by us or in the provider's dashboard)."""

    charge_id: str


@dataclass(frozen=True, kw_only=True)
class OtherEvent(ProviderEvent):
    """An event we do not act on: only recorded as seen."""


BillingEvent = (
    CheckoutCompleted
    | CheckoutPaymentFailed
    | CheckoutExpired
    | PaymentSucceeded
    | PaymentFailed
    | SubscriptionChanged
    | RefundIssued
    | OtherEvent
)
