"""Where billing is kept, and the payment provider."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from coachbot.domain.billing.model import (
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
