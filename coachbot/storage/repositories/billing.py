"""Billing records: settings, packages, checkouts, customers, subscriptions, payments,
refunds and the provider events already processed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coachbot.domain.billing.model import (
    BillingSettings,
    Checkout,
    CheckoutStatus,
    Interval,
    Package,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
    RefundStatus,
    Subscription,
    SubscriptionStatus,
)
from coachbot.storage.repositories._mapping import insert as insert_entity
from coachbot.storage.repositories._mapping import row_values, to_entity
from coachbot.storage.tables import (
    BillingCustomerRow,
    BillingSettingsRow,
    CheckoutRow,
    PackageRow,
    PaymentRow,
    RefundRow,
    StripeEventRow,
    SubscriptionRow,
)


class SqlBillingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _save(self, row_class: Any, entity: Any) -> None:
        values = row_values(entity)
        await self._session.execute(
            update(row_class).where(row_class.id == entity.id).values(**values)
        )

    # -- settings -----------------------------------------------------------------------

    async def settings(self, coach_id: int) -> BillingSettings:
        row = await self._session.get(BillingSettingsRow, coach_id)
        if row is None:
            return BillingSettings(coach_id=coach_id)
        return to_entity(BillingSettings, row)

    async def save_settings(self, settings: BillingSettings) -> None:
        row = await self._session.get(BillingSettingsRow, settings.coach_id)
        if row is None:
            self._session.add(BillingSettingsRow(**row_values(settings)))
        else:
            for name, value in row_values(settings).items():
                setattr(row, name, value)
        await self._session.flush()

    # -- packages -----------------------------------------------------------------------

    @staticmethod
    def _package(row: PackageRow) -> Package:
        return to_entity(Package, row, interval=Interval)

    async def add_package(self, package: Package) -> Package:
        return await insert_entity(self._session, PackageRow, package)

    async def get_package(self, package_id: int) -> Package | None:
        row = await self._session.get(PackageRow, package_id)
        return self._package(row) if row else None

    async def save_package(self, package: Package) -> None:
        await self._save(PackageRow, package)

    async def list_packages(self, coach_id: int) -> Sequence[Package]:
        rows = await self._session.scalars(
            select(PackageRow).where(PackageRow.coach_id == coach_id).order_by(PackageRow.id)
        )
        return [self._package(row) for row in rows]

    async def package_by_price(self, price_id: str) -> Package | None:
        row = await self._session.scalar(
            select(PackageRow).where(PackageRow.stripe_price_id == price_id)
        )
        return self._package(row) if row else None

    async def package_by_payment_link(self, link_id: str) -> Package | None:
        row = await self._session.scalar(
            select(PackageRow).where(PackageRow.payment_link_id == link_id)
        )
        return self._package(row) if row else None

    # -- checkouts ----------------------------------------------------------------------

    @staticmethod
    def _checkout(row: CheckoutRow) -> Checkout:
        return to_entity(Checkout, row, status=CheckoutStatus)

    async def add_checkout(self, checkout: Checkout) -> Checkout:
        return await insert_entity(self._session, CheckoutRow, checkout)

    async def get_checkout(self, checkout_id: int, *, for_update: bool = False) -> Checkout | None:
        query = select(CheckoutRow).where(CheckoutRow.id == checkout_id)
        if for_update:  # PostgreSQL locks the row; SQLite's write transaction is exclusive
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return self._checkout(row) if row else None

    async def checkout_by_session(self, session_id: str) -> Checkout | None:
        row = await self._session.scalar(
            select(CheckoutRow).where(CheckoutRow.stripe_session_id == session_id)
        )
        return self._checkout(row) if row else None

    async def save_checkout(self, checkout: Checkout) -> None:
        await self._save(CheckoutRow, checkout)

    # -- customers ----------------------------------------------------------------------

    async def customer_of(self, client_id: int) -> str | None:
        row = await self._session.get(BillingCustomerRow, client_id)
        return row.stripe_customer_id if row else None

    async def set_customer(self, client_id: int, customer_id: str) -> None:
        self._session.add(BillingCustomerRow(client_id=client_id, stripe_customer_id=customer_id))
        await self._session.flush()

    async def client_of_customer(self, customer_id: str) -> int | None:
        return await self._session.scalar(
            select(BillingCustomerRow.client_id).where(
                BillingCustomerRow.stripe_customer_id == customer_id
            )
        )

    # -- subscriptions ------------------------------------------------------------------

    @staticmethod
    def _subscription(row: SubscriptionRow) -> Subscription:
        return to_entity(Subscription, row, status=SubscriptionStatus)

    async def add_subscription(self, subscription: Subscription) -> Subscription:
        return await insert_entity(self._session, SubscriptionRow, subscription)

    async def get_subscription(self, subscription_id: int) -> Subscription | None:
        row = await self._session.get(SubscriptionRow, subscription_id)
        return self._subscription(row) if row else None

    async def subscription_by_stripe_id(self, stripe_id: str) -> Subscription | None:
        row = await self._session.scalar(
            select(SubscriptionRow).where(SubscriptionRow.stripe_subscription_id == stripe_id)
        )
        return self._subscription(row) if row else None

    async def save_subscription(self, subscription: Subscription) -> None:
        await self._save(SubscriptionRow, subscription)

    async def subscriptions_of_client(self, client_id: int) -> Sequence[Subscription]:
        rows = await self._session.scalars(
            select(SubscriptionRow)
            .where(SubscriptionRow.client_id == client_id)
            .order_by(SubscriptionRow.created_at.desc(), SubscriptionRow.id.desc())
        )
        return [self._subscription(row) for row in rows]

    async def past_due_subscriptions(self, *, limit: int) -> Sequence[Subscription]:
        rows = await self._session.scalars(
            select(SubscriptionRow)
            .where(
                SubscriptionRow.status == SubscriptionStatus.past_due.value,
                SubscriptionRow.lapsed_notified_at.is_(None),
            )
            .order_by(SubscriptionRow.past_due_since)
            .limit(limit)
        )
        return [self._subscription(row) for row in rows]

    # -- payments -----------------------------------------------------------------------

    @staticmethod
    def _payment(row: PaymentRow) -> Payment:
        return to_entity(Payment, row, kind=PaymentKind, status=PaymentStatus)

    async def add_payment(self, payment: Payment) -> Payment:
        return await insert_entity(self._session, PaymentRow, payment)

    async def get_payment(self, payment_id: int) -> Payment | None:
        row = await self._session.get(PaymentRow, payment_id)
        return self._payment(row) if row else None

    async def payment_by_ref(self, stripe_ref: str) -> Payment | None:
        row = await self._session.scalar(
            select(PaymentRow).where(PaymentRow.stripe_ref == stripe_ref)
        )
        return self._payment(row) if row else None

    async def payment_by_intent(self, payment_intent_id: str) -> Payment | None:
        row = await self._session.scalar(
            select(PaymentRow).where(PaymentRow.payment_intent_id == payment_intent_id)
        )
        return self._payment(row) if row else None

    async def save_payment(self, payment: Payment) -> None:
        await self._save(PaymentRow, payment)

    async def payments(
        self, *, coach_id: int, client_id: int | None = None, limit: int = 20
    ) -> Sequence[Payment]:
        query = select(PaymentRow).where(PaymentRow.coach_id == coach_id)
        if client_id is not None:
            query = query.where(PaymentRow.client_id == client_id)
        rows = await self._session.scalars(
            query.order_by(PaymentRow.created_at.desc(), PaymentRow.id.desc()).limit(limit)
        )
        return [self._payment(row) for row in rows]

    async def failed_payments(self, *, failed_before: datetime, limit: int) -> Sequence[Payment]:
        rows = await self._session.scalars(
            select(PaymentRow)
            .where(
                PaymentRow.status == PaymentStatus.failed.value,
                PaymentRow.failed_at <= failed_before,
                PaymentRow.dunning_reminded_at.is_(None),
            )
            .order_by(PaymentRow.failed_at)
            .limit(limit)
        )
        return [self._payment(row) for row in rows]

    # -- refunds ------------------------------------------------------------------------

    async def add_refund(self, refund: Refund) -> Refund:
        return await insert_entity(self._session, RefundRow, refund)

    async def get_refund(self, refund_id: int, *, for_update: bool = False) -> Refund | None:
        query = select(RefundRow).where(RefundRow.id == refund_id)
        if for_update:
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return to_entity(Refund, row, status=RefundStatus) if row else None

    async def save_refund(self, refund: Refund) -> None:
        await self._save(RefundRow, refund)

    async def refunded_by_us(self, payment_id: int) -> int:
        total = await self._session.scalar(
            select(func.coalesce(func.sum(RefundRow.amount), 0)).where(
                RefundRow.payment_id == payment_id,
                RefundRow.status == RefundStatus.succeeded.value,
            )
        )
        return int(total or 0)

    # -- events -------------------------------------------------------------------------

    async def event_seen(self, event_id: str) -> bool:
        return await self._session.get(StripeEventRow, event_id) is not None

    async def record_event(self, event_id: str, event_type: str, *, at: datetime) -> bool:
        if await self.event_seen(event_id):
            return False
        # A racing process inserting the same id fails at commit (DuplicateEventError).
        await self._session.execute(
            insert(StripeEventRow).values(event_id=event_id, event_type=event_type, processed_at=at)
        )
        return True
