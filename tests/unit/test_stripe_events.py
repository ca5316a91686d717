"""Stripe's webhooks and objects in the domain's words: each event type the fake Stripe
sends becomes our billing event, and the objects it names our states with our enums.
Nothing is delivered: the fake server is used for its objects' shapes only."""

from __future__ import annotations

from typing import Any

import pytest

from coachbot.domain.billing.model import (
    CheckoutMode,
    CheckoutPaymentStatus,
    CheckoutSessionStatus,
    InvoiceStatus,
    SubscriptionStatus,
)
from coachbot.domain.billing.provider_events import (
    CheckoutCompleted,
    CheckoutExpired,
    CheckoutPaymentFailed,
    OtherEvent,
    PaymentFailed,
    PaymentSucceeded,
    RefundIssued,
    SubscriptionChanged,
)
from coachbot.integrations.stripe_events import (
    VerifiedEvent,
    billing_event,
    charge_state,
    checkout_state,
    invoice_state,
    subscription_state,
)
from coachbot.sandbox.stripe_server import FakeStripeServer


@pytest.fixture
def stripe() -> FakeStripeServer:
    return FakeStripeServer(api_key="sk_test", webhook_secret="whsec_test")


def verified(event: dict[str, Any], account: str | None = None) -> VerifiedEvent:
    return VerifiedEvent(event["id"], event["type"], event["data"]["object"]["id"], account)


def session(stripe: FakeStripeServer, *, recurring: bool) -> dict[str, Any]:
    product = stripe._create_product({"name": "Coaching"})
    price: dict[str, Any] = {"product": product["id"], "currency": "eur", "unit_amount": "4900"}
    if recurring:
        price["recurring"] = {"interval": "month"}
    price_id = stripe._create_price(price)["id"]
    return stripe._create_checkout(
        {
            "mode": "subscription" if recurring else "payment",
            "line_items": [{"price": price_id, "quantity": "1"}],
            "success_url": "https://example.org/s",
            "cancel_url": "https://example.org/c",
            "customer_email": "ann@example.org",
            "metadata": {"coach_id": "1", "client_id": "2"},
        }
    )


async def test_a_plan_bought_at_checkout(stripe):
    opened = session(stripe, recurring=True)
    events = {e["type"]: e for e in await stripe.complete_checkout(opened["id"], deliver=False)}
    created = billing_event(verified(events["customer.subscription.created"], "acct_1"))
    sub_id = events["customer.subscription.created"]["data"]["object"]["id"]
    assert created == SubscriptionChanged(
        event_id=events["customer.subscription.created"]["id"],
        source="customer.subscription.created",
        account="acct_1",
        subscription_id=sub_id,
    )
    completed = billing_event(verified(events["checkout.session.completed"]))
    assert isinstance(completed, CheckoutCompleted) and completed.session_id == opened["id"]
    paid = billing_event(verified(events["invoice.paid"]))
    invoice_id = events["invoice.paid"]["data"]["object"]["id"]
    assert isinstance(paid, PaymentSucceeded) and paid.invoice_id == invoice_id

    checkout = checkout_state(stripe.get(opened["id"]))
    assert (checkout.status, checkout.payment_status, checkout.mode) == (
        CheckoutSessionStatus.complete,
        CheckoutPaymentStatus.paid,
        CheckoutMode.subscription,
    )
    assert checkout.subscription_id == sub_id
    assert checkout.metadata == {"coach_id": "1", "client_id": "2"}
    invoice = invoice_state(stripe._get_invoice(invoice_id, {"expand": ["payments"]}))
    assert (invoice.status, invoice.subscription_id, invoice.amount_due) == (
        InvoiceStatus.paid,
        sub_id,
        4900,
    )
    assert invoice.payment_intent_id is not None
    subscription = subscription_state(stripe._get_subscription(sub_id, {"expand": ["customer"]}))
    assert subscription.status is SubscriptionStatus.active
    assert subscription.customer_email == "ann@example.org"
    assert subscription.current_period_end is not None


async def test_a_failed_renewal_makes_the_plan_past_due(stripe):
    opened = session(stripe, recurring=True)
    await stripe.complete_checkout(opened["id"], deliver=False)
    sub_id = stripe.get(opened["id"])["subscription"]
    events = {
        e["type"]: e for e in await stripe.renew_subscription(sub_id, succeed=False, deliver=False)
    }
    failed = billing_event(verified(events["invoice.payment_failed"]))
    assert isinstance(failed, PaymentFailed)
    invoice = invoice_state(stripe._get_invoice(failed.invoice_id, {"expand": ["payments"]}))
    assert invoice.status is InvoiceStatus.open and invoice.attempt_count > 0
    changed = billing_event(verified(events["customer.subscription.updated"]))
    assert isinstance(changed, SubscriptionChanged)
    state = subscription_state(stripe._get_subscription(sub_id, {}))
    assert state.status is SubscriptionStatus.past_due


async def test_a_one_off_payment_settling_late_failing_and_refunded(stripe):
    opened = session(stripe, recurring=False)
    await stripe.complete_checkout(opened["id"], async_payment=True, deliver=False)
    unpaid = checkout_state(stripe.get(opened["id"]))
    assert (unpaid.status, unpaid.payment_status, unpaid.mode) == (
        CheckoutSessionStatus.complete,
        CheckoutPaymentStatus.unpaid,
        CheckoutMode.payment,
    )
    [failed] = await stripe.settle_async_payment(opened["id"], succeed=False, deliver=False)
    assert isinstance(billing_event(verified(failed)), CheckoutPaymentFailed)
    [succeeded] = await stripe.settle_async_payment(opened["id"], succeed=True, deliver=False)
    assert isinstance(billing_event(verified(succeeded)), CheckoutCompleted)
    charge = stripe.charge_of(stripe.get(opened["id"])["payment_intent"])
    [refunded] = await stripe.refund_in_dashboard(charge["id"], 1000, deliver=False)
    event = billing_event(verified(refunded))
    assert isinstance(event, RefundIssued) and event.charge_id == charge["id"]
    state = charge_state(stripe.get(charge["id"]))
    assert (state.amount, state.amount_refunded) == (4900, 1000)


async def test_an_expired_checkout_and_events_we_do_not_act_on(stripe):
    opened = session(stripe, recurring=False)
    [expired] = await stripe.expire_checkout(opened["id"], deliver=False)
    assert billing_event(verified(expired)) == CheckoutExpired(
        event_id=expired["id"], source="checkout.session.expired", session_id=opened["id"]
    )
    assert checkout_state(stripe.get(opened["id"])).status is CheckoutSessionStatus.expired
    other = VerifiedEvent("evt_1", "customer.created", "cus_1", None)
    assert billing_event(other) == OtherEvent(event_id="evt_1", source="customer.created")
