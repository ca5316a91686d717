"""An in-memory payment provider (the `Payments` port) for unit tests of billing.

Like Stripe, a request repeated with the same idempotency key returns the first answer
and changes nothing again; `calls` lists the requests that did something.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from coachbot.domain.billing.model import (
    ChargeState,
    CheckoutRequest,
    CheckoutSession,
    CheckoutState,
    InvoiceState,
    RefundResult,
    SubscriptionChange,
    SubscriptionState,
    SubscriptionStatus,
)

EXPIRY = datetime(2030, 1, 1, tzinfo=UTC)  # of every checkout session


class FakePayments:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.subscriptions: dict[str, SubscriptionState] = {}  # the provider's view
        self.archived_prices: set[str] = set()
        self.inactive_links: set[str] = set()
        self._answers: dict[str, Any] = {}
        self._ids = itertools.count(1)

    def _once(self, method: str, key: str, make, **request: Any) -> Any:
        if key not in self._answers:
            self.calls.append((method, request | {"key": key}))
            self._answers[key] = make()
        return self._answers[key]

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    def called(self, method: str) -> list[dict[str, Any]]:
        return [request for name, request in self.calls if name == method]

    async def create_product(self, *, name, description, metadata, key, account) -> str:
        return self._once("create_product", key, lambda: self._id("prod"), name=name,
                          metadata=metadata, account=account)  # fmt: skip

    async def update_product(self, product_id, *, name, description, active, key, account):
        self._once("update_product", key, lambda: None, product_id=product_id, name=name,
                   active=active)  # fmt: skip

    async def create_price(
        self, *, product_id, amount, currency, interval, metadata, key, account
    ) -> str:
        return self._once("create_price", key, lambda: self._id("price"), product_id=product_id,
                          amount=amount, currency=currency, interval=interval)  # fmt: skip

    async def archive_price(self, price_id, *, key, account) -> None:
        self._once("archive_price", key, lambda: self.archived_prices.add(price_id),
                   price_id=price_id)  # fmt: skip

    async def create_payment_link(
        self, *, price_id, recurring, trial_days, metadata, key, account
    ) -> tuple[str, str]:
        def make() -> tuple[str, str]:
            link = self._id("plink")
            return link, f"https://pay.example/{link}"

        return self._once("create_payment_link", key, make, price_id=price_id)

    async def deactivate_payment_link(self, link_id, *, key, account) -> None:
        self._once("deactivate_payment_link", key, lambda: self.inactive_links.add(link_id),
                   link_id=link_id)  # fmt: skip

    async def create_customer(self, *, name, email, metadata, key, account) -> str:
        return self._once("create_customer", key, lambda: self._id("cus"), name=name)

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        def make() -> CheckoutSession:
            session = self._id("cs")
            return CheckoutSession(session, f"https://checkout.example/{session}", EXPIRY)

        return self._once("create_checkout", request.idempotency_key, make, request=request)

    async def create_portal_session(self, *, customer_id, return_url, locale, key, account):
        return self._once("create_portal_session", key, lambda: "https://portal.example/s",
                          customer_id=customer_id)  # fmt: skip

    async def change_subscription(
        self, subscription_id, change, *, item_id, price_id, key, account
    ) -> SubscriptionState:
        def make() -> SubscriptionState:
            state = self.subscriptions[subscription_id]
            state = _changed(state, change, price_id)
            self.subscriptions[subscription_id] = state
            return state

        return self._once("change_subscription", key, make, subscription_id=subscription_id,
                          change=change, price_id=price_id)  # fmt: skip

    async def refund(self, *, payment_intent_id, amount, metadata, key, account) -> RefundResult:
        return self._once("refund", key, lambda: RefundResult(self._id("re"), "succeeded", amount),
                          payment_intent_id=payment_intent_id, amount=amount)  # fmt: skip

    async def checkout_state(self, session_id, *, account) -> CheckoutState:
        raise NotImplementedError("not needed by these tests yet")

    async def subscription_state(self, subscription_id, *, account) -> SubscriptionState:
        return self.subscriptions[subscription_id]

    async def invoice_state(self, invoice_id, *, account) -> InvoiceState:
        raise NotImplementedError("not needed by these tests yet")

    async def charge_state(self, charge_id, *, account) -> ChargeState:
        raise NotImplementedError("not needed by these tests yet")


def _changed(
    state: SubscriptionState, change: SubscriptionChange, price_id: str | None
) -> SubscriptionState:
    match change:
        case SubscriptionChange.pause:
            return replace(state, paused=True)
        case SubscriptionChange.resume:
            return replace(state, paused=False)
        case SubscriptionChange.cancel_at_period_end:
            return replace(state, cancel_at_period_end=True)
        case SubscriptionChange.keep:
            return replace(state, cancel_at_period_end=False)
        case SubscriptionChange.cancel_now:
            return replace(state, status=SubscriptionStatus.canceled)
        case SubscriptionChange.change_price:
            return replace(state, price_id=price_id)
