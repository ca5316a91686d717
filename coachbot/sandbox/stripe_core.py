"""What the fake Stripe's resource mixins share (the base of every part of
`FakeStripeServer`).

The server is split by resource (stripe_catalog, stripe_checkout, stripe_subscriptions,
stripe_payments, stripe_webhooks); each part reads the server's state and calls helpers
another part implements. `StripeCore` declares that state and those helpers once, so each
part type-checks on its own; every abstract method has exactly one implementation, named
in its section below.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any

import aiohttp

from coachbot.sandbox.stripe_store import ObjectStore, WebhookDelivery


class StripeCore(ABC):
    """The fake Stripe server's shared state and cross-part helpers."""

    # Set by FakeStripeServer.__init__ and reset().
    store: ObjectStore
    events: list[dict[str, Any]]
    deliveries: list[WebhookDelivery]
    webhook_url: str | None
    webhook_secret: str
    _session: aiohttp.ClientSession | None
    _background: set[asyncio.Task[None]]
    _request_key: str | None  # the idempotency key of the request being handled

    # ------------------------------------------------------------------ FakeStripeServer

    @property
    @abstractmethod
    def url(self) -> str: ...

    @abstractmethod
    def now(self) -> int: ...

    @abstractmethod
    def of_type(self, kind: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _shaped(self, kind: str, **values: Any) -> dict[str, Any]: ...

    # ------------------------------------------------------------------ CatalogApi

    @abstractmethod
    def _create_customer(self, p: dict[str, Any]) -> dict[str, Any]: ...

    @abstractmethod
    def _active_price(self, price_id: str) -> dict[str, Any]: ...

    # ------------------------------------------------------------------ PaymentsApi

    @abstractmethod
    def _charge(
        self, customer: str | None, amount: int, currency: str, metadata: dict[str, Any]
    ) -> dict[str, Any]: ...

    @abstractmethod
    def _ensure_customer(self, session: dict[str, Any]) -> str: ...

    # ------------------------------------------------------------------ SubscriptionsApi

    @abstractmethod
    def _new_subscription(
        self, session: dict[str, Any], customer: str
    ) -> tuple[dict[str, Any], dict[str, Any]]: ...

    # ------------------------------------------------------------------ WebhooksApi

    @abstractmethod
    def emit(
        self, event_type: str, obj: dict[str, Any], *, previous: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...

    @abstractmethod
    async def _flush(self, before: int, deliver: bool) -> list[dict[str, Any]]: ...
