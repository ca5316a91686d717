"""Bringing our billing records in line with the payment provider's objects (read after
one of its events), and telling clients and coaches what changed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from coachbot.domain.billing import notices
from coachbot.domain.billing.common import package_params, tell_client, tell_coach
from coachbot.domain.billing.model import (
    ChargeState,
    Checkout,
    CheckoutMode,
    CheckoutPaymentStatus,
    CheckoutSessionStatus,
    CheckoutState,
    CheckoutStatus,
    InvoiceState,
    InvoiceStatus,
    Package,
    Payment,
    PaymentKind,
    PaymentStatus,
    Subscription,
    SubscriptionState,
    SubscriptionStatus,
    metadata_ids,
)
from coachbot.domain.billing.payment_news import move_payment, payment_fields
from coachbot.domain.people.model import Client
from coachbot.domain.shared.notices import Notice
from coachbot.domain.shared.ports import UnitOfWork

logger = logging.getLogger(__name__)

# What an invoice's status says of its payment (open or draft: see `Reconcile.invoice`).
INVOICE_STATUSES = {
    InvoiceStatus.paid: PaymentStatus.paid,
    InvoiceStatus.void: PaymentStatus.void,
    InvoiceStatus.uncollectible: PaymentStatus.failed,
}


@dataclass(frozen=True)
class Current:
    """The provider's current view of the objects an event names."""

    checkout: CheckoutState | None = None
    subscription: SubscriptionState | None = None
    invoice: InvoiceState | None = None
    charge: ChargeState | None = None


async def sync_subscription(
    uow: UnitOfWork, state: SubscriptionState, now: datetime
) -> Subscription | None:
    """Take the provider's current view of a subscription (and tell people it ended)."""
    return await Reconcile(uow, now).subscription(state)


class Reconcile:
    """Bring our records in line with the provider's objects, in one transaction.

    `checkout_failed`: the event said a checkout's delayed payment failed (the session
    itself still reads "complete")."""

    def __init__(self, uow: UnitOfWork, now: datetime, *, checkout_failed: bool = False) -> None:
        self.uow = uow
        self.now = now
        self.checkout_failed = checkout_failed

    async def run(self, current: Current) -> None:
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
            notices.LinkSubscriberUnmatched(
                **package_params(package),
                email=state.customer_email or "",
                clients=len(matches),
            ),
            key=f"link-subscriber:{state.id}",
            now=self.now,
        )
        return None

    async def _trial_started(self, subscription: Subscription, client: Client) -> None:
        ends = subscription.current_period_end
        await self._tell_both(
            subscription,
            client,
            partial(notices.TrialStarted, ends=ends),
            partial(notices.TrialStartedCoach, ends=ends),
            key="trial",
        )

    async def _ended(self, subscription: Subscription) -> None:
        client = await self.uow.clients.get(subscription.client_id)
        assert client is not None
        await self._tell_both(
            subscription,
            client,
            notices.SubscriptionEnded,
            notices.SubscriptionEndedCoach,
            key="sub-ended",
        )

    async def _cancellation_changed(self, subscription: Subscription) -> None:
        """The client cancelled at the period's end (in the portal) or renewed: the coach
        hears it now, not only when the plan ends. (The coach's own changes are recorded
        before the provider is asked, so they arrive here as no change.)"""
        client = await self.uow.clients.get(subscription.client_id)
        assert client is not None
        package = await self._package(subscription.package_id)
        fields = {**package_params(package), "client_id": client.id, "name": client.display_name}
        cancelling = subscription.cancel_at_period_end
        notice: Notice = (
            notices.SubscriptionCancellingCoach(**fields, ends=subscription.current_period_end)
            if cancelling
            else notices.SubscriptionRenewedCoach(**fields)
        )
        key = f"cancel-at-end-{cancelling}:{subscription.stripe_subscription_id}"
        await tell_coach(
            self.uow,
            subscription.coach_id,
            notice,
            key=f"{key}:{self.now.isoformat()}",
            now=self.now,
        )

    async def _tell_both(
        self,
        subscription: Subscription,
        client: Client,
        own: Callable[..., Notice],
        coach: Callable[..., Notice],
        *,
        key: str,
    ) -> None:
        """`own` to the client and `coach` to the coach (made with the package and the
        client's name), once per subscription."""
        package = await self._package(subscription.package_id)
        fields = {**package_params(package), "client_id": client.id, "name": client.display_name}
        ref = subscription.stripe_subscription_id
        await tell_client(self.uow, client, own(**fields), key=f"{key}:{ref}", now=self.now)
        await tell_coach(
            self.uow,
            subscription.coach_id,
            coach(**fields),
            key=f"{key}-coach:{ref}",
            now=self.now,
        )

    async def _package(self, package_id: int | None) -> Package | None:
        return await self.uow.billing.get_package(package_id) if package_id else None

    # -- checkout -----------------------------------------------------------------------

    async def checkout(self, state: CheckoutState) -> None:
        billing = self.uow.billing
        checkout = await billing.checkout_by_session(state.id)
        coach_id: int | None
        client_id: int | None
        package_id: int | None
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
        complete = state.status is CheckoutSessionStatus.complete
        if state.mode is CheckoutMode.payment and complete and state.payment_intent_id:
            assert coach_id is not None
            await self._one_off_payment(state, coach_id, client, package_id)

    def _track(self, checkout: Checkout, state: CheckoutState) -> None:
        if checkout.status is CheckoutStatus.complete:
            paid = state.payment_status is CheckoutPaymentStatus.paid
            if self.checkout_failed and not paid:
                checkout.status = CheckoutStatus.expired  # the client may try again
                checkout.completed_at = None
            return
        if state.status is CheckoutSessionStatus.complete and not self.checkout_failed:
            checkout.status = CheckoutStatus.complete
            checkout.completed_at = self.now
        elif (
            state.status is CheckoutSessionStatus.expired and checkout.stripe_session_id == state.id
        ):
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
        if state.payment_status is CheckoutPaymentStatus.paid:
            target = PaymentStatus.paid
        elif self.checkout_failed:
            target = PaymentStatus.failed
        else:
            target = PaymentStatus.pending
        await move_payment(self.uow, self.now, payment, target, checkout_session=state.id)

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
        await move_payment(self.uow, self.now, payment, target, subscription=subscription)

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
            client, fields = await payment_fields(self.uow, payment)
            refunded = notices.RefundIssued(**fields, refunded=state.amount_refunded - known)
            key = f"refund:{state.id}:{state.amount_refunded}"
            await tell_client(self.uow, client, refunded, key=key, now=self.now)
