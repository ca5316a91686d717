"""The payment provider's events (webhooks), each processed once.

An event is only a hint that something changed: the objects it names are read again from
the provider, and our records are brought in line with what the provider has now. So the
outcome does not depend on the order events arrive in, and a duplicate changes nothing;
the event id is stored in the same transaction as the changes and the messages they
cause, so an event is acted on exactly once even when two deliveries race.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from coachbot.domain.billing.common import package_params, tell_client, tell_coach
from coachbot.domain.billing.errors import DuplicateEventError
from coachbot.domain.billing.model import (
    ChargeState,
    CheckoutState,
    CheckoutStatus,
    InvoiceState,
    Package,
    Payment,
    PaymentKind,
    PaymentStatus,
    Subscription,
    SubscriptionState,
    SubscriptionStatus,
    metadata_ids,
)
from coachbot.domain.billing.ports import Payments
from coachbot.domain.people.model import Client
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

CHECKOUT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})
SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
CHARGE_EVENTS = frozenset({"charge.refunded"})
HANDLED = CHECKOUT_EVENTS | INVOICE_EVENTS | SUBSCRIPTION_EVENTS | CHARGE_EVENTS
INVOICE_STATUSES = {
    "paid": PaymentStatus.paid,
    "void": PaymentStatus.void,
    "uncollectible": PaymentStatus.failed,
}


class EventOutcome(StrEnum):
    processed = "processed"
    duplicate = "duplicate"
    ignored = "ignored"  # a type we do not act on


@dataclass(frozen=True, kw_only=True)
class StripeEventReceived:
    event_id: str
    event_type: str
    object_id: str
    account: str | None = None  # the connected account it came from


@dataclass(frozen=True)
class _Current:
    """The provider's current view of the objects an event names."""

    checkout: CheckoutState | None = None
    subscription: SubscriptionState | None = None
    invoice: InvoiceState | None = None
    charge: ChargeState | None = None


class HandleStripeEventUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, cmd: StripeEventReceived) -> EventOutcome:
        async with self._uow() as uow:
            if await uow.billing.event_seen(cmd.event_id):
                return EventOutcome.duplicate
        handled = cmd.event_type in HANDLED
        current = await self._read(cmd) if handled else _Current()
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                if not await uow.billing.record_event(cmd.event_id, cmd.event_type, at=now):
                    return EventOutcome.duplicate
                if handled:
                    await _Apply(uow, now, cmd.event_type).run(current)
                await uow.commit()
        except DuplicateEventError:
            return EventOutcome.duplicate
        return EventOutcome.processed if handled else EventOutcome.ignored

    async def _read(self, cmd: StripeEventReceived) -> _Current:
        payments, account = self._payments, cmd.account

        async def subscription(subscription_id: str | None) -> SubscriptionState | None:
            if not subscription_id:
                return None
            return await payments.subscription_state(subscription_id, account=account)

        if cmd.event_type in CHECKOUT_EVENTS:
            checkout = await payments.checkout_state(cmd.object_id, account=account)
            return _Current(
                checkout=checkout, subscription=await subscription(checkout.subscription_id)
            )
        if cmd.event_type in INVOICE_EVENTS:
            invoice = await payments.invoice_state(cmd.object_id, account=account)
            return _Current(
                invoice=invoice, subscription=await subscription(invoice.subscription_id)
            )
        if cmd.event_type in SUBSCRIPTION_EVENTS:
            state = await payments.subscription_state(cmd.object_id, account=account)
            return _Current(subscription=state)
        return _Current(charge=await payments.charge_state(cmd.object_id, account=account))


async def sync_subscription(
    uow: UnitOfWork, state: SubscriptionState, now: datetime
) -> Subscription | None:
    """Take the provider's current view of a subscription (and tell people it ended)."""
    return await _Apply(uow, now, "customer.subscription.updated").subscription(state)


class _Apply:
    """Bring our records in line with the provider's objects, in one transaction."""

    def __init__(self, uow: UnitOfWork, now: datetime, event_type: str) -> None:
        self.uow = uow
        self.now = now
        self.event_type = event_type

    async def run(self, current: _Current) -> None:
        subscription = None
        if current.subscription is not None:
            subscription = await self.subscription(current.subscription)
        if current.checkout is not None:
            await self.checkout(current.checkout)
        if current.invoice is not None and subscription is not None:
            await self.invoice(current.invoice, subscription)
        if current.charge is not None:
            await self.charge(current.charge)

    async def _our_client(self, coach_id: int | None, client_id: int | None) -> Client | None:
        """The client the metadata names, if they really are that coach's client."""
        if coach_id is None or client_id is None:
            return None
        client = await self.uow.clients.get(client_id)
        return client if client is not None and client.coach_id == coach_id else None

    async def _link_customer(self, client: Client, customer_id: str | None) -> None:
        assert client.id is not None
        if customer_id and await self.uow.billing.customer_of(client.id) is None:
            await self.uow.billing.set_customer(client.id, customer_id)

    # -- subscriptions ------------------------------------------------------------------

    async def subscription(self, state: SubscriptionState) -> Subscription | None:
        billing = self.uow.billing
        subscription = await billing.subscription_by_stripe_id(state.id)
        package = await billing.package_by_price(state.price_id) if state.price_id else None
        if subscription is None:
            coach_id, client_id, package_id = metadata_ids(state.metadata)
            client = await self._our_client(coach_id, client_id)
            if client is None and client_id is None and package is not None:
                # Bought through the package's payment link: no metadata reaches the
                # subscription, the package's price names the coach, the e-mail the client.
                client = await self._link_subscriber(state, package)
            if client is None:
                logger.info("Subscription %s is not one of ours", state.id)
                return None
            assert client.id is not None
            subscription = Subscription(
                coach_id=client.coach_id,
                client_id=client.id,
                stripe_subscription_id=state.id,
                stripe_customer_id=state.customer_id,
                status=state.status,
                created_at=self.now,
                updated_at=self.now,
                package_id=package.id if package else package_id,
            )
            subscription.apply(state, self.now)  # stored with the provider's view at once
            subscription = await billing.add_subscription(subscription)
            await self._link_customer(client, state.customer_id)
            if state.status is SubscriptionStatus.trialing:
                await self._trial_started(subscription, client)
            return subscription
        cancelling = subscription.cancel_at_period_end
        changed = subscription.apply(state, self.now)
        if package is not None:
            subscription.package_id = package.id
        await billing.save_subscription(subscription)
        if changed and subscription.ended:
            await self._ended(subscription)
        elif subscription.cancel_at_period_end != cancelling and not subscription.ended:
            await self._cancellation_changed(subscription)
        return subscription

    async def _link_subscriber(self, state: SubscriptionState, package: Package) -> Client | None:
        """The coach's client with the subscriber's e-mail; without one, the coach is told
        (once) to add them, and the next event about the subscription links it."""
        email = (state.customer_email or "").strip().casefold()
        clients = await self.uow.clients.list_for_coach(package.coach_id) if email else []
        matches = [c for c in clients if (c.email or "").strip().casefold() == email]
        if len(matches) == 1:
            return matches[0]
        await tell_coach(
            self.uow,
            package.coach_id,
            "link_subscriber_unmatched",
            {
                **package_params(package),
                "email": state.customer_email or "",
                "clients": len(matches),
            },
            key=f"link-subscriber:{state.id}",
            now=self.now,
        )
        return None

    async def _trial_started(self, subscription: Subscription, client: Client) -> None:
        ends = subscription.current_period_end
        await self._tell_both(
            subscription,
            client,
            "trial_started",
            {"ends": ends.isoformat() if ends else None},
            key="trial",
        )

    async def _ended(self, subscription: Subscription) -> None:
        client = await self.uow.clients.get(subscription.client_id)
        assert client is not None
        await self._tell_both(subscription, client, "subscription_ended", {}, key="sub-ended")

    async def _cancellation_changed(self, subscription: Subscription) -> None:
        """The client cancelled at the period's end (in the portal) or renewed: the coach
        hears it now, not only when the plan ends. (The coach's own changes are recorded
        before the provider is asked, so they arrive here as no change.)"""
        client = await self.uow.clients.get(subscription.client_id)
        assert client is not None
        package = await self._package(subscription.package_id)
        ends = subscription.current_period_end
        cancelling = subscription.cancel_at_period_end
        await tell_coach(
            self.uow,
            subscription.coach_id,
            "subscription_cancelling_coach" if cancelling else "subscription_renewed_coach",
            {
                **package_params(package),
                "client_id": client.id,
                "name": client.display_name,
                "ends": ends.isoformat() if ends else None,
            },
            key=f"cancel-at-end-{cancelling}:{subscription.stripe_subscription_id}:"
            f"{self.now.isoformat()}",
            now=self.now,
        )

    async def _tell_both(
        self, subscription: Subscription, client: Client, name: str, extra: dict, *, key: str
    ) -> None:
        """Notice `name` to the client and `name`_coach to the coach, once per subscription."""
        package = await self._package(subscription.package_id)
        params = {
            **package_params(package),
            **extra,
            "client_id": client.id,
            "name": client.display_name,
        }
        ref = subscription.stripe_subscription_id
        await tell_client(self.uow, client, name, params, key=f"{key}:{ref}", now=self.now)
        await tell_coach(
            self.uow,
            subscription.coach_id,
            f"{name}_coach",
            params,
            key=f"{key}-coach:{ref}",
            now=self.now,
        )

    async def _package(self, package_id: int | None):
        return await self.uow.billing.get_package(package_id) if package_id else None

    # -- checkout -----------------------------------------------------------------------

    async def checkout(self, state: CheckoutState) -> None:
        billing = self.uow.billing
        checkout = await billing.checkout_by_session(state.id)
        if checkout is not None:
            coach_id, client_id, package_id = (
                checkout.coach_id,
                checkout.client_id,
                checkout.package_id,
            )
        else:  # a payment link, or a session that is not ours
            coach_id, client_id, package_id = metadata_ids(state.metadata)
            link = state.payment_link_id
            package = await billing.package_by_payment_link(link) if link else None
            if package is not None:  # a link's metadata does not reach its sessions
                coach_id, package_id = package.coach_id, package.id
            if coach_id is None:
                logger.info("Checkout session %s is not one of ours", state.id)
                return
        client = await self._our_client(coach_id, client_id)
        if client is None and state.customer_id:
            known = await billing.client_of_customer(state.customer_id)
            client = await self._our_client(coach_id, known)
        if client is not None:
            await self._link_customer(client, state.customer_id)
        if checkout is not None:
            self._track(checkout, state)
            await billing.save_checkout(checkout)
        if state.mode == "payment" and state.status == "complete" and state.payment_intent_id:
            assert coach_id is not None
            await self._one_off_payment(state, coach_id, client, package_id)

    def _track(self, checkout, state: CheckoutState) -> None:
        if checkout.status is CheckoutStatus.complete:
            failed = self.event_type == "checkout.session.async_payment_failed"
            if failed and state.payment_status != "paid":
                checkout.status = CheckoutStatus.expired  # the client may try again
                checkout.completed_at = None
            return
        if (
            state.status == "complete"
            and self.event_type != "checkout.session.async_payment_failed"
        ):
            checkout.status = CheckoutStatus.complete
            checkout.completed_at = self.now
        elif state.status == "expired" and checkout.stripe_session_id == state.id:
            checkout.status = CheckoutStatus.expired

    async def _one_off_payment(
        self, state: CheckoutState, coach_id: int, client: Client | None, package_id: int | None
    ) -> None:
        assert state.payment_intent_id is not None
        billing = self.uow.billing
        package = await self._package(package_id)
        payment = await billing.payment_by_ref(state.payment_intent_id)
        if payment is None:
            payment = await billing.add_payment(
                Payment(
                    coach_id=coach_id,
                    client_id=client.id if client else None,
                    stripe_ref=state.payment_intent_id,
                    kind=PaymentKind.one_off,
                    amount=state.amount_total,
                    currency=state.currency,
                    status=PaymentStatus.pending,
                    created_at=self.now,
                    description=package.name if package else "",
                    package_id=package_id,
                    payment_intent_id=state.payment_intent_id,
                    customer_email=state.customer_email,
                )
            )
        if state.payment_status == "paid":
            target = PaymentStatus.paid
        elif self.event_type == "checkout.session.async_payment_failed":
            target = PaymentStatus.failed
        else:
            target = PaymentStatus.pending
        await self._move(payment, target, checkout_session=state.id)

    # -- invoices -----------------------------------------------------------------------

    async def invoice(self, state: InvoiceState, subscription: Subscription) -> None:
        if state.amount_due == 0:
            return  # a trial's zero invoice: nothing was paid
        billing = self.uow.billing
        payment = await billing.payment_by_ref(state.id)
        if payment is None:
            package = await self._package(subscription.package_id)
            payment = await billing.add_payment(
                Payment(
                    coach_id=subscription.coach_id,
                    client_id=subscription.client_id,
                    stripe_ref=state.id,
                    kind=PaymentKind.invoice,
                    amount=state.amount_due,
                    currency=state.currency,
                    status=PaymentStatus.pending,
                    created_at=self.now,
                    description=package.name if package else "",
                    package_id=subscription.package_id,
                    stripe_subscription_id=subscription.stripe_subscription_id,
                    customer_email=state.customer_email,
                )
            )
        payment.payment_intent_id = state.payment_intent_id or payment.payment_intent_id
        payment.hosted_invoice_url = state.hosted_invoice_url
        payment.invoice_pdf_url = state.invoice_pdf_url
        target = INVOICE_STATUSES.get(state.status)
        if target is None:  # open or draft
            target = PaymentStatus.failed if state.attempt_count > 0 else PaymentStatus.pending
        await self._move(payment, target, subscription=subscription)

    # -- payments -----------------------------------------------------------------------

    async def _move(
        self,
        payment: Payment,
        target: PaymentStatus,
        *,
        subscription: Subscription | None = None,
        checkout_session: str | None = None,
    ) -> None:
        """Change a payment's status, never away from paid or void (terminal)."""
        previous = payment.status
        if previous in (PaymentStatus.paid, PaymentStatus.void) or previous is target:
            await self.uow.billing.save_payment(payment)
            return
        payment.status = target
        if target is PaymentStatus.paid:
            payment.paid_at = self.now
        if target is PaymentStatus.failed and payment.failed_at is None:
            payment.failed_at = self.now
        await self.uow.billing.save_payment(payment)
        if target is PaymentStatus.paid:
            await self._paid(payment, subscription)
        elif target is PaymentStatus.failed and previous is not PaymentStatus.failed:
            await self._failed(payment, subscription, checkout_session)

    async def _payment_params(self, payment: Payment) -> tuple[Client | None, dict]:
        client = await self.uow.clients.get(payment.client_id) if payment.client_id else None
        params = {
            "payment_id": payment.id,
            "amount": payment.amount,
            "currency": payment.currency,
            "package": payment.description,
            "client_id": payment.client_id,
            "name": client.display_name if client else (payment.customer_email or ""),
            "invoice_url": payment.hosted_invoice_url,
            "pdf_url": payment.invoice_pdf_url,
        }
        return client, params

    async def _paid(self, payment: Payment, subscription: Subscription | None) -> None:
        client, params = await self._payment_params(payment)
        if subscription is not None and subscription.current_period_end is not None:
            params["next"] = subscription.current_period_end.isoformat()
        await tell_client(
            self.uow, client, "payment_receipt", params, key=f"receipt:{payment.id}", now=self.now
        )
        await tell_coach(
            self.uow,
            payment.coach_id,
            "payment_received",
            params,
            key=f"paid-coach:{payment.id}",
            now=self.now,
        )

    async def _failed(
        self, payment: Payment, subscription: Subscription | None, checkout_session: str | None
    ) -> None:
        client, params = await self._payment_params(payment)
        settings = await self.uow.billing.settings(payment.coach_id)
        params["grace_days"] = settings.grace_days if settings.require_subscription else None
        if checkout_session is not None:
            checkout = await self.uow.billing.checkout_by_session(checkout_session)
            params["checkout_id"] = checkout.id if checkout else None
        await tell_client(
            self.uow, client, "payment_failed", params, key=f"failed:{payment.id}", now=self.now
        )
        await tell_coach(
            self.uow,
            payment.coach_id,
            "payment_failed_coach",
            params,
            key=f"failed-coach:{payment.id}",
            now=self.now,
        )

    # -- refunds ------------------------------------------------------------------------

    async def charge(self, state: ChargeState) -> None:
        if state.payment_intent_id is None:
            return
        billing = self.uow.billing
        payment = await billing.payment_by_intent(state.payment_intent_id)
        if payment is None or payment.id is None:
            return
        ours = await billing.refunded_by_us(payment.id)
        known = max(payment.refunded_amount, ours)
        payment.refunded_amount = max(known, state.amount_refunded)
        await billing.save_payment(payment)
        if state.amount_refunded > known:  # refunded in the provider's dashboard
            client, params = await self._payment_params(payment)
            params["refunded"] = state.amount_refunded - known
            key = f"refund:{state.id}:{state.amount_refunded}"
            await tell_client(self.uow, client, "refund_issued", params, key=key, now=self.now)
