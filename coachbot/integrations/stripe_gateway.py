"""The `Payments` port on Stripe, through the official `stripe` package (async client).

Every POST carries the idempotency key the use case derived from its business operation
(the package, checkout, subscription change or refund it is for), so the library's own
retries and ours never create, charge or refund twice. Connected accounts (Stripe
Connect) are passed per request as `stripe_account`.

The `stripe` package (tens of megabytes of API classes) is imported, and the client
built, at the first billing call: a bot nobody pays through never loads it.

Webhooks: `StripeWebhookVerifier` checks the signature as Stripe's own helper does, from
one strict reading of the header, and the timestamp against our clock in both directions
(the helper refuses old timestamps only, and only against the machine's clock).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from coachbot.domain.billing.errors import PaymentsRefusedError, PaymentsUnavailableError
from coachbot.domain.billing.model import (
    ChargeState,
    CheckoutRequest,
    CheckoutSession,
    CheckoutState,
    InvoiceState,
    RefundResult,
    SubscriptionChange,
    SubscriptionState,
)
from coachbot.domain.shared.clock import Clock
from coachbot.integrations.stripe_events import (
    VerifiedEvent,
    charge_state,
    checkout_state,
    invoice_state,
    subscription_state,
)

if TYPE_CHECKING:
    import stripe

logger = logging.getLogger(__name__)

DEFAULT_TOLERANCE_SECONDS = 300


def _time(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def _options(key: str | None, account: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if key is not None:
        options["idempotency_key"] = key
    if account is not None:
        options["stripe_account"] = account
    return options


class StripePayments:
    def __init__(
        self, api_key: str, *, api_base: str | None = None, max_network_retries: int = 2
    ) -> None:
        self._settings = (api_key, api_base, max_network_retries)
        self._built: tuple[stripe.AIOHTTPClient, stripe.StripeClient] | None = None

    @property
    def _client(self) -> stripe.StripeClient:
        """Built at the first call (see the module's docstring)."""
        if self._built is None:
            import stripe

            api_key, api_base, max_network_retries = self._settings
            http = stripe.AIOHTTPClient()
            client = stripe.StripeClient(
                api_key,
                base_addresses={"api": api_base} if api_base else None,
                http_client=http,
                max_network_retries=max_network_retries,
            )
            self._built = (http, client)
        return self._built[1]

    async def close(self) -> None:
        if self._built is not None:
            await self._built[0].close_async()

    async def _call(self, method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        import stripe  # loaded already: `method` is the client's

        try:
            result = await method(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise PaymentsUnavailableError() from error
        except stripe.StripeError as error:
            logger.warning("Stripe refused a request: %s", error.user_message)
            raise PaymentsRefusedError(error.user_message or str(error), error.code) from error
        return result.to_dict()

    async def _retrieve(
        self, method: Any, object_id: str, account: str | None, params: Any = None
    ) -> dict[str, Any]:
        return await self._call(method, object_id, params, _options(None, account))

    # -- products and prices ------------------------------------------------------------

    async def create_product(
        self,
        *,
        name: str,
        description: str,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> str:
        params: dict[str, Any] = {"name": name, "metadata": metadata}
        if description:
            params["description"] = description
        product = await self._call(
            self._client.v1.products.create_async, params, _options(key, account)
        )
        return product["id"]

    async def update_product(
        self,
        product_id: str,
        *,
        name: str,
        description: str,
        active: bool,
        key: str,
        account: str | None,
    ) -> None:
        params = {"name": name, "description": description, "active": active}
        await self._call(
            self._client.v1.products.update_async, product_id, params, _options(key, account)
        )

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
    ) -> str:
        params: dict[str, Any] = {
            "product": product_id,
            "unit_amount": amount,
            "currency": currency,
            "metadata": metadata,
        }
        if interval:
            params["recurring"] = {"interval": interval}
        price = await self._call(
            self._client.v1.prices.create_async, params, _options(key, account)
        )
        return price["id"]

    async def archive_price(self, price_id: str, *, key: str, account: str | None) -> None:
        await self._call(
            self._client.v1.prices.update_async,
            price_id,
            {"active": False},
            _options(key, account),
        )

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
        params: dict[str, Any] = {
            "line_items": [{"price": price_id, "quantity": 1}],
            "metadata": metadata,
        }
        if recurring:
            params["subscription_data"] = {"trial_period_days": trial_days} if trial_days else {}
        link = await self._call(
            self._client.v1.payment_links.create_async, params, _options(key, account)
        )
        return link["id"], link["url"]

    async def deactivate_payment_link(self, link_id: str, *, key: str, account: str | None) -> None:
        await self._call(
            self._client.v1.payment_links.update_async,
            link_id,
            {"active": False},
            _options(key, account),
        )

    # -- customers, checkout, portal ----------------------------------------------------

    async def create_customer(
        self,
        *,
        name: str,
        email: str | None,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> str:
        params: dict[str, Any] = {"name": name, "metadata": metadata}
        if email:
            params["email"] = email
        customer = await self._call(
            self._client.v1.customers.create_async, params, _options(key, account)
        )
        return customer["id"]

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        params: dict[str, Any] = {
            "mode": "subscription" if request.recurring else "payment",
            "customer": request.customer_id,
            "line_items": [{"price": request.price_id, "quantity": 1}],
            "client_reference_id": request.client_reference_id,
            "metadata": request.metadata,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": request.locale if request.locale in STRIPE_LOCALES else "auto",
        }
        if request.recurring:
            subscription_data: dict[str, Any] = {"metadata": request.metadata}
            if request.trial_days:
                subscription_data["trial_period_days"] = request.trial_days
            params["subscription_data"] = subscription_data
        else:
            params["payment_intent_data"] = {"metadata": request.metadata}
        session = await self._call(
            self._client.v1.checkout.sessions.create_async,
            params,
            _options(request.idempotency_key, request.account),
        )
        expires = _time(session.get("expires_at"))
        assert expires is not None
        return CheckoutSession(session["id"], session["url"], expires)

    async def create_portal_session(
        self, *, customer_id: str, return_url: str, locale: str, key: str, account: str | None
    ) -> str:
        params = {
            "customer": customer_id,
            "return_url": return_url,
            "locale": locale if locale in STRIPE_LOCALES else "auto",
        }
        session = await self._call(
            self._client.v1.billing_portal.sessions.create_async, params, _options(key, account)
        )
        return session["url"]

    # -- subscriptions and refunds ------------------------------------------------------

    async def change_subscription(
        self,
        subscription_id: str,
        change: SubscriptionChange,
        *,
        item_id: str | None,
        price_id: str | None,
        key: str,
        account: str | None,
    ) -> SubscriptionState:
        options = _options(key, account)
        subscriptions = self._client.v1.subscriptions
        if change is SubscriptionChange.cancel_now:
            data = await self._call(subscriptions.cancel_async, subscription_id, None, options)
            return subscription_state(data)
        if change is SubscriptionChange.change_price:
            params: dict[str, Any] = {
                "items": [{"id": item_id, "price": price_id}],
                "proration_behavior": "create_prorations",
            }
        else:
            params = dict(SUBSCRIPTION_UPDATES[change])
        data = await self._call(subscriptions.update_async, subscription_id, params, options)
        return subscription_state(data)

    async def refund(
        self,
        *,
        payment_intent_id: str,
        amount: int,
        metadata: dict[str, str],
        key: str,
        account: str | None,
    ) -> RefundResult:
        params = {"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata}
        data = await self._call(
            self._client.v1.refunds.create_async, params, _options(key, account)
        )
        return RefundResult(data["id"], data["status"], data["amount"])

    # -- reading current state ----------------------------------------------------------

    async def checkout_state(self, session_id: str, *, account: str | None) -> CheckoutState:
        data = await self._retrieve(
            self._client.v1.checkout.sessions.retrieve_async, session_id, account
        )
        return checkout_state(data)

    async def subscription_state(
        self, subscription_id: str, *, account: str | None
    ) -> SubscriptionState:
        # The customer's e-mail ties a payment link's subscriber to a client.
        data = await self._retrieve(
            self._client.v1.subscriptions.retrieve_async,
            subscription_id,
            account,
            {"expand": ["customer"]},
        )
        return subscription_state(data)

    async def invoice_state(self, invoice_id: str, *, account: str | None) -> InvoiceState:
        data = await self._retrieve(
            self._client.v1.invoices.retrieve_async, invoice_id, account, {"expand": ["payments"]}
        )
        return invoice_state(data)

    async def charge_state(self, charge_id: str, *, account: str | None) -> ChargeState:
        data = await self._retrieve(self._client.v1.charges.retrieve_async, charge_id, account)
        return charge_state(data)


# What the other subscription changes ask of Stripe ("" unsets a field).
SUBSCRIPTION_UPDATES: dict[SubscriptionChange, dict[str, Any]] = {
    SubscriptionChange.pause: {"pause_collection": {"behavior": "void"}},
    SubscriptionChange.resume: {"pause_collection": ""},
    SubscriptionChange.cancel_at_period_end: {"cancel_at_period_end": True},
    SubscriptionChange.keep: {"cancel_at_period_end": False},
}

# Checkout and the portal speak these; anything else is shown in the payer's browser
# language ("auto").
STRIPE_LOCALES = frozenset({"de", "en", "es", "fr", "it", "nl", "pl", "pt", "sv", "ja"})


class InvalidWebhook(Exception):
    """Not a genuine, fresh Stripe event: refuse it with 400."""


SIGNATURE_SCHEME = "v1"


class StripeWebhookVerifier:
    """Checks a delivery the way Stripe's `WebhookSignature.verify_header` does, from one
    reading of the header: the header is split on "," and each entry on its first "=",
    keys compared exactly (no stripping), every `v1` entry a candidate signature of
    "<t>.<body>". Stricter than the helper: exactly one `t`, ASCII digits only (the helper
    takes the first `t` and `int()` of it, which accepts spaces and signs, so another
    reading of the same header could see another time), the body UTF-8, and the time
    within the tolerance of our clock in both directions (the helper refuses old
    timestamps only, and only against the machine's clock)."""

    def __init__(
        self, secret: str, clock: Clock, tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS
    ) -> None:
        self._secret = secret.encode()
        self._clock = clock
        self._tolerance = tolerance_seconds

    def verify(self, payload: bytes, signature: str | None) -> VerifiedEvent:
        timestamp, signatures = _parse_signature_header(signature or "")
        try:
            text = payload.decode("utf-8")  # what Stripe signs, and what the helper decodes
        except UnicodeDecodeError as error:
            raise InvalidWebhook("the body is not UTF-8") from error
        signed = f"{timestamp}.{text}".encode()
        expected = hmac.new(self._secret, signed, hashlib.sha256).hexdigest().encode()
        if not any(hmac.compare_digest(expected, s.encode()) for s in signatures):
            raise InvalidWebhook("no signature matches the body")
        now = self._clock.now().timestamp()
        if abs(now - timestamp) > self._tolerance:
            raise InvalidWebhook(f"timestamp {timestamp} outside the tolerance window")
        return _event(text)


def _parse_signature_header(header: str) -> tuple[int, list[str]]:
    """The timestamp and the `v1` signatures of a Stripe-Signature header."""
    if not header:
        raise InvalidWebhook("no Stripe-Signature header")
    stamps: list[str] = []
    signatures: list[str] = []
    for entry in header.split(","):
        key, _, value = entry.partition("=")
        if key == "t":
            stamps.append(value)
        elif key == SIGNATURE_SCHEME:
            signatures.append(value)
        elif key.strip() in ("t", SIGNATURE_SCHEME):
            raise InvalidWebhook(f"malformed entry {key!r} in the signature header")
    if len(stamps) != 1:
        raise InvalidWebhook(f"{len(stamps)} timestamps in the signature header, not one")
    (stamp,) = stamps
    if not (stamp.isascii() and stamp.isdigit()):
        raise InvalidWebhook("the signature's timestamp is not a number")
    if not signatures:
        raise InvalidWebhook(f"no {SIGNATURE_SCHEME} signature")
    return int(stamp), signatures


def _event(text: str) -> VerifiedEvent:
    """The fields we use of an event, each of its JSON type; InvalidWebhook otherwise."""
    try:
        event = json.loads(text)
    except ValueError as error:
        raise InvalidWebhook("the body is not JSON") from error
    data = event.get("data") if isinstance(event, dict) else None
    found = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event, dict) or not isinstance(found, dict):
        raise InvalidWebhook("not an event")
    account = event.get("account")
    if account is not None and not isinstance(account, str):
        raise InvalidWebhook("the event's account is not a string")
    return VerifiedEvent(
        id=_text(event.get("id"), "id"),
        type=_text(event.get("type"), "type"),
        object_id=_text(found.get("id"), "object id"),
        account=account,
    )


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidWebhook(f"the event's {name} is not a string")
    return value
