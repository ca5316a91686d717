"""Billing records in memory: settings, packages, checkouts, customers, subscriptions,
payments, refunds and the provider events already processed."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime

from coachbot.domain.billing.model import (
    BillingSettings,
    Checkout,
    Package,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Subscription,
    SubscriptionStatus,
)
from tests.fakes.database import FakeDatabase
from tests.fakes.table import FakeIntegrityError, nulls_last


class FakeBilling:
    def __init__(self, db: FakeDatabase) -> None:
        self._db = db

    async def settings(self, coach_id: int) -> BillingSettings:
        return copy.deepcopy(self._db.billing_settings.get(coach_id, BillingSettings(coach_id)))

    async def save_settings(self, settings: BillingSettings) -> None:
        self._db.billing_settings[settings.coach_id] = copy.deepcopy(settings)

    # -- packages --------------------------------------------------------------------

    async def add_package(self, package: Package) -> Package:
        return self._db.packages.insert(package)

    async def get_package(self, package_id: int) -> Package | None:
        return self._db.packages.get(package_id)

    async def save_package(self, package: Package) -> None:
        self._db.packages.update(package)

    async def list_packages(self, coach_id: int) -> Sequence[Package]:
        return self._db.packages.select(lambda p: p.coach_id == coach_id)

    async def package_by_price(self, price_id: str) -> Package | None:
        return self._db.packages.first(lambda p: p.stripe_price_id == price_id)

    async def package_by_payment_link(self, link_id: str) -> Package | None:
        return self._db.packages.first(lambda p: p.payment_link_id == link_id)

    # -- checkouts -------------------------------------------------------------------

    async def add_checkout(self, checkout: Checkout) -> Checkout:
        return self._db.checkouts.insert(checkout)

    async def get_checkout(self, checkout_id: int, *, for_update: bool = False) -> Checkout | None:
        return self._db.checkouts.get(checkout_id)

    async def checkout_by_session(self, session_id: str) -> Checkout | None:
        return self._db.checkouts.first(lambda c: c.stripe_session_id == session_id)

    async def save_checkout(self, checkout: Checkout) -> None:
        self._db.checkouts.update(checkout)

    # -- customers -------------------------------------------------------------------

    async def customer_of(self, client_id: int) -> str | None:
        return self._db.customers.get(client_id)

    async def set_customer(self, client_id: int, customer_id: str) -> None:
        # A plain INSERT in SQL: a second customer for a client (or a customer id used
        # twice) violates the primary key / unique constraint.
        if client_id in self._db.customers or customer_id in self._db.customers.values():
            raise FakeIntegrityError("billing_customers", client_id, customer_id)
        self._db.customers[client_id] = customer_id

    async def client_of_customer(self, customer_id: str) -> int | None:
        found = (c for c, s in self._db.customers.items() if s == customer_id)
        return next(found, None)

    # -- subscriptions ---------------------------------------------------------------

    async def add_subscription(self, subscription: Subscription) -> Subscription:
        return self._db.subscriptions.insert(subscription)

    async def get_subscription(self, subscription_id: int) -> Subscription | None:
        return self._db.subscriptions.get(subscription_id)

    async def subscription_by_stripe_id(self, stripe_id: str) -> Subscription | None:
        return self._db.subscriptions.first(lambda s: s.stripe_subscription_id == stripe_id)

    async def save_subscription(self, subscription: Subscription) -> None:
        self._db.subscriptions.update(subscription)

    async def subscriptions_of_client(self, client_id: int) -> Sequence[Subscription]:
        return self._db.subscriptions.select(
            lambda s: s.client_id == client_id, order=lambda s: (s.created_at, s.id), desc=True
        )

    async def past_due_subscriptions(self, *, limit: int) -> Sequence[Subscription]:
        return self._db.subscriptions.select(
            lambda s: s.status == SubscriptionStatus.past_due and s.lapsed_notified_at is None,
            order=lambda s: (nulls_last(s.past_due_since), s.id),
            limit=limit,
        )

    # -- payments --------------------------------------------------------------------

    async def add_payment(self, payment: Payment) -> Payment:
        return self._db.payments.insert(payment)

    async def get_payment(self, payment_id: int) -> Payment | None:
        return self._db.payments.get(payment_id)

    async def payment_by_ref(self, stripe_ref: str) -> Payment | None:
        return self._db.payments.first(lambda p: p.stripe_ref == stripe_ref)

    async def payment_by_intent(self, payment_intent_id: str) -> Payment | None:
        return self._db.payments.first(lambda p: p.payment_intent_id == payment_intent_id)

    async def save_payment(self, payment: Payment) -> None:
        self._db.payments.update(payment)

    async def payments(
        self, *, coach_id: int, client_id: int | None = None, limit: int = 20
    ) -> Sequence[Payment]:
        return self._db.payments.select(
            lambda p: p.coach_id == coach_id and client_id in (None, p.client_id),
            order=lambda p: (p.created_at, p.id),
            desc=True,
            limit=limit,
        )

    async def failed_payments(self, *, failed_before: datetime, limit: int) -> Sequence[Payment]:
        return self._db.payments.select(
            lambda p: (
                p.status == PaymentStatus.failed
                and p.failed_at is not None
                and p.failed_at <= failed_before
                and p.dunning_reminded_at is None
            ),
            order=lambda p: (p.failed_at, p.id),
            limit=limit,
        )

    # -- refunds ---------------------------------------------------------------------

    async def add_refund(self, refund: Refund) -> Refund:
        return self._db.refunds.insert(refund)

    async def get_refund(self, refund_id: int, *, for_update: bool = False) -> Refund | None:
        return self._db.refunds.get(refund_id)

    async def save_refund(self, refund: Refund) -> None:
        self._db.refunds.update(refund)

    async def refunded_by_us(self, payment_id: int) -> int:
        done = self._db.refunds.select(
            lambda r: r.payment_id == payment_id and r.status == RefundStatus.succeeded
        )
        return sum(r.amount for r in done)

    # -- events ----------------------------------------------------------------------

    async def event_seen(self, event_id: str) -> bool:
        return event_id in self._db.stripe_events

    async def record_event(self, event_id: str, event_type: str, *, at: datetime) -> bool:
        if await self.event_seen(event_id):
            return False
        self._db.stripe_events[event_id] = (event_type, at)
        return True
