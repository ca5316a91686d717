"""Stripe's vocabulary turned into ours: a verified webhook event into a billing event
(`domain/billing/provider_events.py`), and the objects read from Stripe (checkout
sessions, subscriptions, invoices, charges) into the domain's states with its enums.

Nothing past this module knows Stripe's event names or status strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from coachbot.domain.billing.model import (
    ChargeState,
    CheckoutMode,
    CheckoutPaymentStatus,
    CheckoutSessionStatus,
    CheckoutState,
    InvoiceState,
    InvoiceStatus,
    SubscriptionState,
    SubscriptionStatus,
)
from coachbot.domain.billing.provider_events import (
    BillingEvent,
    CheckoutCompleted,
    CheckoutExpired,
    CheckoutPaymentFailed,
    OtherEvent,
    PaymentFailed,
    PaymentSucceeded,
    RefundIssued,
    SubscriptionChanged,
)


@dataclass(frozen=True)
class VerifiedEvent:
    """A webhook event whose signature and timestamp were checked."""

    id: str
    type: str
    object_id: str
    account: str | None


# Each event we act on, and which field of ours its object's id goes to.
_EVENTS: dict[str, tuple[type[Any], str]] = {
    "checkout.session.completed": (CheckoutCompleted, "session_id"),
    "checkout.session.async_payment_succeeded": (CheckoutCompleted, "session_id"),
    "checkout.session.async_payment_failed": (CheckoutPaymentFailed, "session_id"),
    "checkout.session.expired": (CheckoutExpired, "session_id"),
    "invoice.paid": (PaymentSucceeded, "invoice_id"),
    "invoice.payment_failed": (PaymentFailed, "invoice_id"),
    "customer.subscription.created": (SubscriptionChanged, "subscription_id"),
    "customer.subscription.updated": (SubscriptionChanged, "subscription_id"),
    "customer.subscription.deleted": (SubscriptionChanged, "subscription_id"),
    "charge.refunded": (RefundIssued, "charge_id"),
}


def billing_event(event: VerifiedEvent) -> BillingEvent:
    """Our event for Stripe's (`OtherEvent` for a type we do not act on)."""
    common: dict[str, Any] = {
        "event_id": event.id,
        "source": event.type,
        "account": event.account,
    }
    known = _EVENTS.get(event.type)
    if known is None:
        return OtherEvent(**common)
    cls, field = known
    translated: BillingEvent = cls(**common, **{field: event.object_id})
    return translated


# -- objects ---------------------------------------------------------------------------


def _time(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def checkout_state(data: dict[str, Any]) -> CheckoutState:
    details = data.get("customer_details") or {}
    return CheckoutState(
        id=data["id"],
        status=CheckoutSessionStatus(data["status"]),
        payment_status=CheckoutPaymentStatus(data["payment_status"]),
        mode=CheckoutMode(data["mode"]),
        customer_id=data.get("customer"),
        subscription_id=data.get("subscription"),
        payment_intent_id=data.get("payment_intent"),
        amount_total=data.get("amount_total") or 0,
        currency=data.get("currency") or "",
        client_reference_id=data.get("client_reference_id"),
        metadata=dict(data.get("metadata") or {}),
        payment_link_id=data.get("payment_link"),
        customer_email=details.get("email"),
    )


def subscription_state(data: dict[str, Any]) -> SubscriptionState:
    items = (data.get("items") or {}).get("data") or []
    item = items[0] if items else {}
    # Newer API versions keep the period on the item; older ones on the subscription.
    period_end = item.get("current_period_end") or data.get("current_period_end")
    customer = data["customer"]
    expanded = isinstance(customer, dict)
    return SubscriptionState(
        id=data["id"],
        status=SubscriptionStatus(data["status"]),
        customer_id=customer["id"] if expanded else customer,
        price_id=(item.get("price") or {}).get("id"),
        item_id=item.get("id"),
        current_period_end=_time(period_end),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        paused=data.get("pause_collection") is not None,
        metadata=dict(data.get("metadata") or {}),
        customer_email=customer.get("email") if expanded else None,
    )


def invoice_state(data: dict[str, Any]) -> InvoiceState:
    """`data` read with `payments` expanded: since API 2025-03-31 an invoice names its
    payment intent only there."""
    parent = (data.get("parent") or {}).get("subscription_details") or {}
    payments = (data.get("payments") or {}).get("data") or []
    intent = next(
        (
            p["payment"].get("payment_intent")
            for p in payments
            if p.get("status") == "paid" and p.get("payment")
        ),
        None,
    )
    return InvoiceState(
        id=data["id"],
        status=InvoiceStatus(data["status"]),
        subscription_id=parent.get("subscription") or data.get("subscription"),
        customer_id=data.get("customer"),
        amount_due=data["amount_due"],
        currency=data["currency"],
        attempt_count=data.get("attempt_count") or 0,
        hosted_invoice_url=data.get("hosted_invoice_url"),
        invoice_pdf_url=data.get("invoice_pdf"),
        payment_intent_id=intent or data.get("payment_intent"),
        customer_email=data.get("customer_email"),
    )


def charge_state(data: dict[str, Any]) -> ChargeState:
    return ChargeState(
        id=data["id"],
        payment_intent_id=data.get("payment_intent"),
        amount=data["amount"],
        amount_refunded=data["amount_refunded"],
        currency=data["currency"],
    )
