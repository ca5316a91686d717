"""A strict local stand-in for the Stripe API, for tests and the local sandbox.

`FakeStripeServer` is an aiohttp application on 127.0.0.1 that the official `stripe`
package talks to over HTTP (point its API base at `server.url`). It implements the
endpoints Coachbot uses, refuses requests the real API would refuse (unknown or missing
parameters, wrong types, a bad API key, an idempotency key reused with other
parameters), replays the saved response for a repeated idempotency key, and returns
objects shaped like Stripe's own fixtures.

It also plays the payer and Stripe's own machinery: `complete_checkout`,
`expire_checkout`, `renew_subscription` (succeeding or failing), `pay_invoice`,
`refund_in_dashboard`, `set_cancel_at_period_end` (the customer portal). Each records the
events Stripe would send; they are delivered, signed as Stripe signs them, to
`webhook_url` (or returned for a test to deliver in any order, twice, unsigned, badly
signed or dated).

For a browser it serves the pages Stripe hosts (`stripe_pages.py`): Checkout with a test
card form, hosted invoices with their PDF, the customer portal and payment links. What a
payer does there is delivered in the background and retried, as Stripe does.

    async with FakeStripeServer(webhook_secret="whsec_x") as stripe_api:
        stripe_api.webhook_url = "http://127.0.0.1:8081/stripe/webhook"
        ...
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import secrets
import string
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from dateutil.relativedelta import relativedelta

from coachbot.sandbox.stripe_pages import StripePages
from coachbot.sandbox.stripe_spec import (
    StripeApiError,
    check_params,
    decode_form,
    find_operation,
    load_fixtures,
)

logger = logging.getLogger(__name__)

API_VERSION = "2020-08-27"
_ALPHABET = string.ascii_letters + string.digits
INTERVALS = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
# Seconds before each attempt to deliver an event from the pages (Stripe retries for days).
DELIVERY_DELAYS = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{''.join(secrets.choice(_ALPHABET) for _ in range(length))}"


def sign_payload(payload: str, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header value: t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class StripeRequest:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    account: str | None
    status: int = 200
    error: str | None = None
    replayed: bool = False


@dataclass
class WebhookDelivery:
    event_id: str
    event_type: str
    status: int
    body: str


@dataclass
class _Saved:
    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass
class _Stored:
    """Every object by id, plus per-type helpers."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, kind: str) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise StripeApiError(
                404,
                f"No such {kind.split('.')[-1].replace('_', ' ')}: '{object_id}'",
                param="id",
                code="resource_missing",
            )
        return obj


class FakeStripeServer:
    def __init__(
        self,
        *,
        api_key: str = "sk_test_coachbot",
        webhook_secret: str = "whsec_coachbot",
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        account_name: str = "Test business",
    ) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.clock = clock
        self.host = host
        self.port = port
        self.account_name = account_name  # the business name Stripe's pages show
        self.webhook_url: str | None = None
        # The customer whose checkout, invoice or portal page was used last: the one a
        # return page is for (real Stripe tells the return page nothing).
        self.last_payer: str | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._background: set[asyncio.Task[None]] = set()
        self.reset()

    def reset(self) -> None:
        self.store = _Stored()
        self.requests: list[StripeRequest] = []
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[WebhookDelivery] = []
        self._idempotent: dict[str, _Saved] = {}
        self._request_key: str | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._runner = web.AppRunner(self._build_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeStripeServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The API base to give the stripe client."""
        return f"http://{self.host}:{self.port}"

    def now(self) -> int:
        return int(self.clock())

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str, path_prefix: str) -> list[StripeRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    @property
    def rejections(self) -> list[StripeRequest]:
        return [r for r in self.requests if r.status >= 400]

    def assert_no_rejections(self) -> None:
        if self.rejections:
            lines = [f"{r.method} {r.path}: {r.status} {r.error}" for r in self.rejections]
            raise AssertionError("Stripe refused requests:\n" + "\n".join(lines))

    def get(self, object_id: str) -> dict[str, Any]:
        return self.store.objects[object_id]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.store.objects.values() if o["object"] == kind]

    # ------------------------------------------------------------------ HTTP

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/v1/{tail:.*}", self._handle_api)
        StripePages(self).install(app)
        return app

    async def _handle_api(self, request: web.Request) -> web.Response:
        method, path = request.method, request.path
        body_text = await request.text()
        pairs = parse_qsl(request.query_string, keep_blank_values=True)
        if method == "POST":
            pairs += parse_qsl(body_text, keep_blank_values=True)
        key = request.headers.get("Idempotency-Key")
        record = StripeRequest(method, path, {}, key, request.headers.get("Stripe-Account"))
        self.requests.append(record)
        validated = False
        try:
            self._authorize(request)
            params = decode_form(pairs)
            record.params = params
            operation, path_values = find_operation(method, path)
            check_params(operation, method, params)
            validated = True
            if key and method == "POST":
                saved = self._replay(key, method, path, params)
                if saved is not None:
                    record.replayed = True
                    record.status = saved.status
                    return web.json_response(
                        saved.body, status=saved.status, headers={"Idempotent-Replayed": "true"}
                    )
            result = self._dispatch(operation.key, path_values, params, key)
            status = 200
        except StripeApiError as error:
            result, status = error.body(), error.status
            record.error = error.message
        record.status = status
        # Like Stripe: a result is saved once the request passed validation and ran.
        if key and method == "POST" and validated and key not in self._idempotent:
            self._idempotent[key] = _Saved(
                self._fingerprint(method, path, record.params), status, result
            )
        headers = {"Request-Id": new_id("req", 14), "Stripe-Version": API_VERSION}
        return web.json_response(result, status=status, headers=headers)

    def _authorize(self, request: web.Request) -> None:
        auth = request.headers.get("Authorization", "")
        if auth != f"Bearer {self.api_key}":
            shown = auth.removeprefix("Bearer ")[:12]
            raise StripeApiError(401, f"Invalid API Key provided: {shown}***")

    @staticmethod
    def _fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
        return json.dumps([method, path, params], sort_keys=True)

    def _replay(self, key: str, method: str, path: str, params: dict[str, Any]) -> _Saved | None:
        saved = self._idempotent.get(key)
        if saved is None:
            return None
        if saved.fingerprint != self._fingerprint(method, path, params):
            raise StripeApiError(
                400,
                "Keys for idempotent requests can only be used with the same parameters "
                "they were first used with. Try using a key other than "
                f"'{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        return saved

    def _dispatch(
        self, operation: str, ids: list[str], params: dict[str, Any], key: str | None
    ) -> dict[str, Any]:
        handlers: dict[str, Callable[..., dict[str, Any]]] = {
            "POST /v1/products": self._create_product,
            "POST /v1/products/{id}": self._update_product,
            "POST /v1/prices": self._create_price,
            "POST /v1/prices/{price}": self._update_price,
            "POST /v1/customers": self._create_customer,
            "POST /v1/checkout/sessions": self._create_checkout,
            "GET /v1/checkout/sessions/{session}": self._get("checkout.session"),
            "POST /v1/payment_links": self._create_payment_link,
            "POST /v1/payment_links/{payment_link}": self._update_payment_link,
            "POST /v1/billing_portal/sessions": self._create_portal_session,
            "GET /v1/subscriptions/{subscription_exposed_id}": self._get_subscription,
            "POST /v1/subscriptions/{subscription_exposed_id}": self._update_subscription,
            "DELETE /v1/subscriptions/{subscription_exposed_id}": self._cancel_subscription,
            "GET /v1/invoices/{invoice}": self._get_invoice,
            "GET /v1/charges/{charge}": self._get("charge"),
            "POST /v1/refunds": self._create_refund,
        }
        handler = handlers[operation]
        self._request_key = key  # events the request causes name it, as Stripe's do
        try:
            result = handler(*ids, params) if ids else handler(params)
        finally:
            self._request_key = None
        # Keys starting with "_" are the fake's own bookkeeping, never shown.
        return copy.deepcopy({k: v for k, v in result.items() if not k.startswith("_")})

    def _get(self, kind: str) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
        def get(object_id: str, _params: dict[str, Any]) -> dict[str, Any]:
            return self.store.get(object_id, kind)

        return get

    # ------------------------------------------------------------------ objects

    def _shaped(self, kind: str, **values: Any) -> dict[str, Any]:
        """A new object of `kind`: Stripe's fixture with our values, nothing left over
        that would pretend to be real data (ids, links) set to null."""
        obj = copy.deepcopy(load_fixtures()[kind])
        obj.update(values)
        obj["livemode"] = False
        if "created" in obj:
            obj["created"] = self.now()
        if "metadata" in obj and "metadata" not in values:
            obj["metadata"] = {}
        return obj

    def _create_product(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.store.add(
            self._shaped(
                "product",
                id=p.get("id") or new_id("prod", 14),
                name=p["name"],
                description=p.get("description") or None,
                active=p.get("active", "true") == "true",
                metadata=dict(p.get("metadata") or {}),
                default_price=None,
                images=[],
                marketing_features=[],
                package_dimensions=None,
                updated=self.now(),
                url=None,
                type="service",
            )
        )

    def _update_product(self, product_id: str, p: dict[str, Any]) -> dict[str, Any]:
        product = self.store.get(product_id, "product")
        for name in ("name", "description"):
            if name in p:
                product[name] = p[name] or None
        if "active" in p:
            product["active"] = p["active"] == "true"
        if isinstance(p.get("metadata"), dict):
            product["metadata"].update(p["metadata"])
        product["updated"] = self.now()
        return product

    def _create_price(self, p: dict[str, Any]) -> dict[str, Any]:
        product = self.store.get(p.get("product", ""), "product")
        if "unit_amount" not in p:
            raise StripeApiError(400, "Missing required param: unit_amount.", param="unit_amount")
        recurring = p.get("recurring")
        price = self._shaped(
            "price",
            id=new_id("price"),
            product=product["id"],
            currency=p["currency"].lower(),
            unit_amount=int(p["unit_amount"]),
            unit_amount_decimal=p["unit_amount"],
            active=p.get("active", "true") == "true",
            metadata=dict(p.get("metadata") or {}),
            nickname=p.get("nickname"),
            lookup_key=None,
            custom_unit_amount=None,
            transform_quantity=None,
            type="recurring" if recurring else "one_time",
            recurring=None
            if not recurring
            else {
                "interval": recurring["interval"],
                "interval_count": int(recurring.get("interval_count", 1)),
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            },
        )
        return self.store.add(price)

    def _update_price(self, price_id: str, p: dict[str, Any]) -> dict[str, Any]:
        price = self.store.get(price_id, "price")
        if "active" in p:
            price["active"] = p["active"] == "true"
        if isinstance(p.get("metadata"), dict):
            price["metadata"].update(p["metadata"])
        return price

    def _create_customer(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.store.add(
            self._shaped(
                "customer",
                id=new_id("cus", 14),
                name=p.get("name"),
                email=p.get("email"),
                metadata=dict(p.get("metadata") or {}),
                discount=None,
                preferred_locales=list(p.get("preferred_locales") or []),
                invoice_prefix=secrets.token_hex(4).upper(),
            )
        )

    def _active_price(self, price_id: str) -> dict[str, Any]:
        price = self.store.get(price_id, "price")
        if not price["active"]:
            raise StripeApiError(
                400, f"The price specified is inactive: {price_id}", param="line_items[0][price]"
            )
        return price

    def _create_checkout(self, p: dict[str, Any]) -> dict[str, Any]:
        mode = p.get("mode", "payment")
        items = p.get("line_items") or []
        if not items:
            raise StripeApiError(400, "Missing required param: line_items.", param="line_items")
        price = self._active_price(items[0].get("price", ""))
        recurring = price["type"] == "recurring"
        if recurring != (mode == "subscription"):
            raise StripeApiError(
                400,
                "You must provide at least one recurring price in `subscription` mode"
                if mode == "subscription"
                else "You specified `payment` mode but passed a recurring price.",
                param="mode",
            )
        customer = p.get("customer")
        if customer:
            self.store.get(customer, "customer")
        quantity = int(items[0].get("quantity", "1"))
        session_id = new_id("cs_test", 58)
        session = self._shaped(
            "checkout.session",
            id=session_id,
            mode=mode,
            status="open",
            payment_status="unpaid",
            customer=customer,
            customer_email=p.get("customer_email"),
            customer_details=None,
            client_reference_id=p.get("client_reference_id"),
            metadata=dict(p.get("metadata") or {}),
            success_url=p["success_url"],
            cancel_url=p["cancel_url"],
            currency=price["currency"],
            amount_subtotal=price["unit_amount"] * quantity,
            amount_total=price["unit_amount"] * quantity,
            expires_at=int(p.get("expires_at") or self.now() + 24 * 3600),
            payment_intent=None,
            subscription=None,
            invoice=None,
            payment_link=None,
            locale=p.get("locale"),
            url=f"{self.url}/c/pay/{session_id}",
            after_expiration=None,
            custom_text={
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            # Kept for completion: what the payer will be charged for.
            line_items_price=price["id"],
            line_items_quantity=quantity,
            subscription_data={
                "trial_period_days": int(
                    (p.get("subscription_data") or {}).get("trial_period_days") or 0
                ),
                "metadata": dict((p.get("subscription_data") or {}).get("metadata") or {}),
            },
            payment_intent_data={
                "metadata": dict((p.get("payment_intent_data") or {}).get("metadata") or {}),
            },
        )
        return self._public_session(self.store.add(session))

    @staticmethod
    def _public_session(session: dict[str, Any]) -> dict[str, Any]:
        hidden = (
            "line_items_price",
            "line_items_quantity",
            "subscription_data",
            "payment_intent_data",
        )
        return {k: v for k, v in session.items() if k not in hidden}

    def _create_payment_link(self, p: dict[str, Any]) -> dict[str, Any]:
        items = p["line_items"]
        price = self._active_price(items[0].get("price", ""))
        link_id = new_id("plink")
        return self.store.add(
            self._shaped(
                "payment_link",
                id=link_id,
                active=True,
                currency=price["currency"],
                metadata=dict(p.get("metadata") or {}),
                url=f"{self.url}/b/{link_id}",
                _price=price["id"],
                subscription_data={
                    "metadata": dict((p.get("subscription_data") or {}).get("metadata") or {}),
                    "trial_period_days": int(
                        (p.get("subscription_data") or {}).get("trial_period_days") or 0
                    ),
                },
            )
        )

    def _update_payment_link(self, link_id: str, p: dict[str, Any]) -> dict[str, Any]:
        link = self.store.get(link_id, "payment_link")
        if "active" in p:
            link["active"] = p["active"] == "true"
        return link

    def _create_portal_session(self, p: dict[str, Any]) -> dict[str, Any]:
        self.store.get(p["customer"], "customer")
        session_id = new_id("bps")
        return self.store.add(
            self._shaped(
                "billing_portal.session",
                id=session_id,
                customer=p["customer"],
                return_url=p.get("return_url"),
                locale=p.get("locale"),
                flow=None,
                configuration=None,
                url=f"{self.url}/p/session/{session_id}",
            )
        )

    def _update_subscription(self, sub_id: str, p: dict[str, Any]) -> dict[str, Any]:
        sub = self.store.get(sub_id, "subscription")
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise StripeApiError(
                400,
                "A canceled subscription can only update its cancellation_details and metadata.",
            )
        previous: dict[str, Any] = {}
        if "pause_collection" in p:
            previous["pause_collection"] = sub["pause_collection"]
            pause = p["pause_collection"]
            sub["pause_collection"] = (
                None if pause == "" else {"behavior": pause["behavior"], "resumes_at": None}
            )
        if "cancel_at_period_end" in p:
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            sub["cancel_at_period_end"] = p["cancel_at_period_end"] == "true"
            sub["cancel_at"] = (
                sub["items"]["data"][0]["current_period_end"]
                if sub["cancel_at_period_end"]
                else None
            )
        for change in p.get("items") or []:
            item = next((i for i in sub["items"]["data"] if i["id"] == change.get("id")), None)
            if item is None:
                raise StripeApiError(
                    400, f"No such subscription item: '{change.get('id')}'", param="items[0][id]"
                )
            if "price" in change:
                previous["items"] = copy.deepcopy(sub["items"])
                item["price"] = copy.deepcopy(self._active_price(change["price"]))
        if isinstance(p.get("metadata"), dict):
            sub["metadata"].update(p["metadata"])
        self.emit("customer.subscription.updated", sub, previous=previous)
        return sub

    def _cancel_subscription(self, sub_id: str, _p: dict[str, Any]) -> dict[str, Any]:
        sub = self.store.get(sub_id, "subscription")
        if sub["status"] == "canceled":
            raise StripeApiError(
                404, f"No such subscription: '{sub_id}'", code="resource_missing", param="id"
            )
        sub.update(status="canceled", canceled_at=self.now(), ended_at=self.now())
        self.emit("customer.subscription.deleted", sub)
        return sub

    def _get_subscription(self, sub_id: str, p: dict[str, Any]) -> dict[str, Any]:
        sub = copy.deepcopy(self.store.get(sub_id, "subscription"))
        if "customer" in (p.get("expand") or []):
            customer = self.store.get(sub["customer"], "customer")
            sub["customer"] = {k: v for k, v in customer.items() if not k.startswith("_")}
        return sub

    def _get_invoice(self, invoice_id: str, p: dict[str, Any]) -> dict[str, Any]:
        invoice = copy.deepcopy(self.store.get(invoice_id, "invoice"))
        payments = invoice.pop("_payments", [])
        if "payments" in (p.get("expand") or []):
            invoice["payments"] = {
                "object": "list",
                "data": payments,
                "has_more": False,
                "url": f"/v1/invoice_payments?invoice={invoice_id}",
            }
        return invoice

    def _create_refund(self, p: dict[str, Any]) -> dict[str, Any]:
        if "charge" in p:
            charge = self.store.get(p["charge"], "charge")
        elif "payment_intent" in p:
            intent = self.store.get(p["payment_intent"], "payment_intent")
            charge = self.store.get(intent["latest_charge"], "charge")
        else:
            raise StripeApiError(400, "One of `charge` or `payment_intent` is required.")
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = int(p.get("amount", remaining))
        if remaining <= 0:
            raise StripeApiError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        if amount <= 0 or amount > remaining:
            raise StripeApiError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                param="amount",
                code="amount_too_large",
            )
        return self._refund(charge, amount, metadata=dict(p.get("metadata") or {}))

    def _refund(self, charge: dict[str, Any], amount: int, **extra: Any) -> dict[str, Any]:
        refund = self.store.add(
            self._shaped(
                "refund",
                id=new_id("re"),
                amount=amount,
                charge=charge["id"],
                currency=charge["currency"],
                payment_intent=charge["payment_intent"],
                status="succeeded",
                balance_transaction=None,
                destination_details=None,
                **extra,
            )
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        charge["refunds"]["total_count"] = len(charge["refunds"]["data"])
        self.emit("charge.refunded", charge)
        return refund

    # ------------------------------------------------------------------ payments

    def _charge(
        self, customer: str | None, amount: int, currency: str, metadata: dict[str, Any]
    ) -> dict[str, Any]:
        """A successful card payment: a PaymentIntent and its Charge."""
        intent_id, charge_id = new_id("pi"), new_id("ch")
        charge = self.store.add(
            self._shaped(
                "charge",
                id=charge_id,
                amount=amount,
                amount_captured=amount,
                amount_refunded=0,
                captured=True,
                currency=currency,
                customer=customer,
                payment_intent=intent_id,
                paid=True,
                refunded=False,
                status="succeeded",
                metadata=metadata,
                description=None,
                balance_transaction=None,
                receipt_url=f"{self.url}/receipts/{charge_id}",
                refunds={
                    "object": "list",
                    "data": [],
                    "has_more": False,
                    "total_count": 0,
                    "url": f"/v1/charges/{charge_id}/refunds",
                },
            )
        )
        self.store.add(
            self._shaped(
                "payment_intent",
                id=intent_id,
                amount=amount,
                amount_received=amount,
                currency=currency,
                customer=customer,
                latest_charge=charge["id"],
                status="succeeded",
                metadata=metadata,
                client_secret=f"{intent_id}_secret_{secrets.token_hex(8)}",
                last_payment_error=None,
                next_action=None,
                processing=None,
                canceled_at=None,
                transfer_data=None,
            )
        )
        return charge

    def _ensure_customer(self, session: dict[str, Any]) -> str:
        if session["customer"]:
            return session["customer"]
        customer = self._create_customer(
            {"email": session.get("customer_email") or "payer@example.com"}
        )
        return customer["id"]

    def _new_invoice(
        self,
        sub: dict[str, Any],
        price: dict[str, Any],
        amount: int,
        start: int,
        end: int,
        reason: str,
    ) -> dict[str, Any]:
        invoice_id = new_id("in")
        invoice = self._shaped(
            "invoice",
            id=invoice_id,
            customer=sub["customer"],
            subscription=sub["id"],
            parent={
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(sub["metadata"]),
                    "subscription": sub["id"],
                },
            },
            status="open",
            currency=price["currency"],
            amount_due=amount,
            amount_paid=0,
            amount_remaining=amount,
            subtotal=amount,
            total=amount,
            billing_reason=reason,
            attempt_count=0,
            attempted=False,
            auto_advance=True,
            period_start=start,
            period_end=end,
            number=f"{secrets.token_hex(4).upper()}-{len(self.of_type('invoice')) + 1:04d}",
            hosted_invoice_url=f"{self.url}/i/{invoice_id}",
            invoice_pdf=f"{self.url}/i/{invoice_id}/pdf",
            next_payment_attempt=None,
            from_invoice=None,
            last_finalization_error=None,
            metadata={},
            status_transitions={
                "finalized_at": self.now(),
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
        )
        line = copy.deepcopy(invoice["lines"]["data"][0])
        line.update(
            id=new_id("il"),
            amount=amount,
            currency=price["currency"],
            description=f"1 × {self.store.objects[price['product']]['name']}",
            invoice=invoice_id,
            period={"start": start, "end": end},
            subscription=sub["id"],
            parent=None,
            pricing={
                "type": "price_details",
                "price_details": {"price": price["id"], "product": price["product"]},
                "unit_amount_decimal": str(price["unit_amount"]),
            },
        )
        invoice["lines"] = {
            "object": "list",
            "data": [line],
            "has_more": False,
            "total_count": 1,
            "url": f"/v1/invoices/{invoice_id}/lines",
        }
        invoice["_payments"] = []
        self.store.add(invoice)
        sub["latest_invoice"] = invoice_id
        return invoice

    def _settle(self, invoice: dict[str, Any], *, succeed: bool) -> None:
        """One payment attempt on an open invoice."""
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        if not succeed:
            invoice["next_payment_attempt"] = self.now() + 3 * 24 * 3600
            return
        if invoice["amount_due"] > 0:
            charge = self._charge(
                invoice["customer"], invoice["amount_due"], invoice["currency"], {}
            )
            invoice["_payments"].append(
                {
                    "id": new_id("inpay"),
                    "object": "invoice_payment",
                    "amount_paid": invoice["amount_due"],
                    "amount_requested": invoice["amount_due"],
                    "created": self.now(),
                    "currency": invoice["currency"],
                    "invoice": invoice["id"],
                    "is_default": True,
                    "livemode": False,
                    "payment": {
                        "type": "payment_intent",
                        "payment_intent": charge["payment_intent"],
                    },
                    "status": "paid",
                    "status_transitions": {"canceled_at": None, "paid_at": self.now()},
                }
            )
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            next_payment_attempt=None,
        )
        invoice["status_transitions"]["paid_at"] = self.now()

    def _period_end(self, start: int, price: dict[str, Any]) -> int:
        recurring = price["recurring"]
        unit = INTERVALS[recurring["interval"]]
        moment = datetime.fromtimestamp(start, UTC) + relativedelta(
            **{unit: recurring["interval_count"]}
        )
        return int(moment.timestamp())

    def _new_subscription(
        self, session: dict[str, Any], customer: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        price = self.store.get(session["line_items_price"], "price")
        trial_days = session["subscription_data"]["trial_period_days"]
        now = self.now()
        trial_end = now + trial_days * 24 * 3600 if trial_days else None
        end = trial_end or self._period_end(now, price)
        sub = self._shaped(
            "subscription",
            id=new_id("sub"),
            customer=customer,
            status="trialing" if trial_end else "active",
            metadata=dict(session["subscription_data"]["metadata"]),
            cancel_at=None,
            cancel_at_period_end=False,
            canceled_at=None,
            ended_at=None,
            pause_collection=None,
            start_date=now,
            billing_cycle_anchor=end if trial_end else now,
            billing_cycle_anchor_config=None,
            trial_start=now if trial_end else None,
            trial_end=trial_end,
            currency=price["currency"],
            schedule=None,
            pending_update=None,
            discounts=[],
            test_clock=None,
            transfer_data=None,
            latest_invoice=None,
        )
        item = copy.deepcopy(sub["items"]["data"][0])
        item.update(
            id=new_id("si", 14),
            price=copy.deepcopy(price),
            plan=None,
            quantity=session["line_items_quantity"],
            subscription=sub["id"],
            current_period_start=now,
            current_period_end=end,
            metadata={},
            billing_thresholds=None,
            created=now,
        )
        sub["items"] = {
            "object": "list",
            "data": [item],
            "has_more": False,
            "total_count": 1,
            "url": f"/v1/subscription_items?subscription={sub['id']}",
        }
        self.store.add(sub)
        amount = 0 if trial_end else price["unit_amount"] * session["line_items_quantity"]
        invoice = self._new_invoice(sub, price, amount, now, end, "subscription_create")
        self._settle(invoice, succeed=True)
        return sub, invoice

    # ------------------------------------------------------------------ the payer and Stripe

    async def complete_checkout(
        self, session_id: str, *, async_payment: bool = False, deliver: bool = True
    ) -> list[dict[str, Any]]:
        """The payer pays on the Checkout page. With `async_payment` (e.g. a bank debit)
        the session completes unpaid; `settle_async_payment` finishes it."""
        session = self.store.get(session_id, "checkout.session")
        if session["status"] != "open":
            raise ValueError(f"checkout session {session_id} is {session['status']}")
        before = len(self.events)
        customer = self._ensure_customer(session)
        session.update(status="complete", customer=customer)
        session["customer_details"] = {
            "email": self.store.objects[customer].get("email"),
            "name": None,
            "phone": None,
            "address": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }
        if session["mode"] == "subscription":
            sub, invoice = self._new_subscription(session, customer)
            session.update(subscription=sub["id"], invoice=invoice["id"], payment_status="paid")
            self.emit("customer.subscription.created", sub)
            self.emit("checkout.session.completed", self._public_session(session))
            self.emit("invoice.paid", invoice)
        elif async_payment:
            intent_id = new_id("pi")
            session["payment_intent"] = intent_id
            self.emit("checkout.session.completed", self._public_session(session))
        else:
            self._pay_session(session)
            self.emit("checkout.session.completed", self._public_session(session))
        return await self._flush(before, deliver)

    def _pay_session(self, session: dict[str, Any]) -> None:
        charge = self._charge(
            session["customer"],
            session["amount_total"],
            session["currency"],
            dict(session["payment_intent_data"]["metadata"]),
        )
        old_intent = session.get("payment_intent")
        if old_intent:  # an async payment that settles keeps its PaymentIntent id
            intent = self.store.objects.pop(charge["payment_intent"])
            intent["id"] = old_intent
            charge["payment_intent"] = old_intent
            self.store.add(intent)
        session.update(payment_intent=charge["payment_intent"], payment_status="paid")

    async def pay_payment_link(
        self, link_id: str, *, email: str = "payer@example.com", deliver: bool = True
    ) -> list[dict[str, Any]]:
        """Someone opens a payment link and pays."""
        session = self.payment_link_session(link_id, email=email)
        return await self.complete_checkout(session["id"], deliver=deliver)

    def payment_link_session(self, link_id: str, *, email: str | None = None) -> dict[str, Any]:
        """Someone opens a payment link: a checkout session made from the link (its
        metadata stays on the link, as with Stripe)."""
        link = self.store.get(link_id, "payment_link")
        if not link["active"]:
            raise ValueError(f"payment link {link_id} is inactive")
        price = self.store.get(link["_price"], "price")
        recurring = price["type"] == "recurring"
        params: dict[str, Any] = {
            "mode": "subscription" if recurring else "payment",
            "line_items": [{"price": price["id"], "quantity": "1"}],
            "success_url": f"{self.url}/b/{link_id}/done",
            "cancel_url": f"{self.url}/b/{link_id}",
            "subscription_data": link["subscription_data"] if recurring else {},
        }
        if email:
            params["customer_email"] = email
        session = self._create_checkout(params)
        self.store.objects[session["id"]]["payment_link"] = link_id
        return session

    async def settle_async_payment(
        self, session_id: str, *, succeed: bool, deliver: bool = True
    ) -> list[dict[str, Any]]:
        session = self.store.get(session_id, "checkout.session")
        before = len(self.events)
        if succeed:
            self._pay_session(session)
            self.emit("checkout.session.async_payment_succeeded", self._public_session(session))
        else:
            self.emit("checkout.session.async_payment_failed", self._public_session(session))
        return await self._flush(before, deliver)

    async def expire_checkout(
        self, session_id: str, *, deliver: bool = True
    ) -> list[dict[str, Any]]:
        session = self.store.get(session_id, "checkout.session")
        before = len(self.events)
        session["status"] = "expired"
        self.emit("checkout.session.expired", self._public_session(session))
        return await self._flush(before, deliver)

    async def renew_subscription(
        self, sub_id: str, *, succeed: bool = True, deliver: bool = True
    ) -> list[dict[str, Any]]:
        """The subscription's period ends: Stripe invoices the next one and tries the card,
        or ends the subscription if it was cancelled at the period's end."""
        sub = self.store.get(sub_id, "subscription")
        item = sub["items"]["data"][0]
        price = item["price"]
        before = len(self.events)
        if sub["cancel_at_period_end"]:
            sub.update(status="canceled", canceled_at=self.now(), ended_at=self.now())
            self.emit("customer.subscription.deleted", sub)
            return await self._flush(before, deliver)
        start = item["current_period_end"]
        end = self._period_end(start, price)
        item.update(current_period_start=start, current_period_end=end)
        if sub["status"] == "trialing":
            sub["trial_end"] = sub["trial_end"] or start
        amount = price["unit_amount"] * item["quantity"]
        invoice = self._new_invoice(sub, price, amount, start, end, "subscription_cycle")
        self._settle(invoice, succeed=succeed)
        if succeed:
            sub["status"] = "active"
            self.emit("invoice.paid", invoice)
        else:
            sub["status"] = "past_due"
            self.emit("invoice.payment_failed", invoice)
        self.emit("customer.subscription.updated", sub, previous={"status": "active"})
        return await self._flush(before, deliver)

    async def pay_invoice(self, invoice_id: str, *, deliver: bool = True) -> list[dict[str, Any]]:
        """The payer fixes their card on the hosted invoice page and pays."""
        invoice = self.store.get(invoice_id, "invoice")
        if invoice["status"] != "open":
            raise ValueError(f"invoice {invoice_id} is {invoice['status']}")
        before = len(self.events)
        self._settle(invoice, succeed=True)
        self.emit("invoice.paid", invoice)
        sub = self.store.objects.get(invoice["subscription"] or "")
        if sub is not None and sub["status"] in ("past_due", "unpaid"):
            sub["status"] = "active"
            self.emit("customer.subscription.updated", sub, previous={"status": "past_due"})
        return await self._flush(before, deliver)

    async def set_cancel_at_period_end(
        self, sub_id: str, cancel: bool, *, deliver: bool = True
    ) -> list[dict[str, Any]]:
        """The customer cancels in the portal (at the period's end, Stripe's default),
        or renews the plan they had cancelled."""
        before = len(self.events)
        self._update_subscription(sub_id, {"cancel_at_period_end": "true" if cancel else "false"})
        return await self._flush(before, deliver)

    def save_card(self, customer_id: str, card: dict[str, Any]) -> None:
        """The card a customer paid with becomes their default (shown in the portal)."""
        self.store.get(customer_id, "customer")["_card"] = dict(card)

    async def refund_in_dashboard(
        self, charge_id: str, amount: int | None = None, *, deliver: bool = True
    ) -> list[dict[str, Any]]:
        charge = self.store.get(charge_id, "charge")
        before = len(self.events)
        self._refund(charge, amount or charge["amount"] - charge["amount_refunded"])
        return await self._flush(before, deliver)

    def charge_of(self, payment_intent: str) -> dict[str, Any]:
        return self.store.objects[self.store.get(payment_intent, "payment_intent")["latest_charge"]]

    # ------------------------------------------------------------------ events and webhooks

    def emit(
        self, event_type: str, obj: dict[str, Any], *, previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "object": copy.deepcopy({k: v for k, v in obj.items() if not k.startswith("_")})
        }
        if previous:
            data["previous_attributes"] = copy.deepcopy(previous)
        event = self._shaped(
            "event",
            id=new_id("evt"),
            type=event_type,
            api_version=API_VERSION,
            data=data,
            pending_webhooks=1,
            request={"id": None, "idempotency_key": getattr(self, "_request_key", None)},
        )
        self.events.append(event)
        return event

    async def _flush(self, before: int, deliver: bool) -> list[dict[str, Any]]:
        new = self.events[before:]
        self._request_key = None
        if deliver:
            for event in new:
                await self.deliver(event)
        return new

    async def deliver_pending(self) -> list[WebhookDelivery]:
        """Deliver events emitted by API calls (e.g. an update) that nobody delivered."""
        delivered = {d.event_id for d in self.deliveries}
        return [await self.deliver(e) for e in list(self.events) if e["id"] not in delivered]

    async def deliver(
        self,
        event: dict[str, Any],
        *,
        signature: str | None = "valid",
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> WebhookDelivery:
        """POST one event to `webhook_url`. `signature`: "valid", "bad", None (no header)
        or a header value to send as is; `timestamp` dates the signature."""
        if self.webhook_url is None or self._session is None:
            raise RuntimeError("set webhook_url and start the server before delivering")
        payload = json.dumps(event, indent=2)
        stamp = self.now() if timestamp is None else timestamp
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if signature == "valid":
            headers["Stripe-Signature"] = sign_payload(
                payload, secret or self.webhook_secret, stamp
            )
        elif signature == "bad":
            headers["Stripe-Signature"] = sign_payload(payload, "whsec_not_the_secret", stamp)
        elif signature is not None:
            headers["Stripe-Signature"] = signature
        async with self._session.post(
            self.webhook_url, data=payload.encode(), headers=headers
        ) as response:
            body = await response.text()
            delivery = WebhookDelivery(event["id"], event["type"], response.status, body)
        self.deliveries.append(delivery)
        return delivery

    def deliver_in_background(self, events: Iterable[dict[str, Any]]) -> None:
        """Deliver events the way Stripe does after someone acts on its pages: soon, not
        before the page answers, and again after a refusal or an unreachable endpoint."""
        if self.webhook_url is None:
            return
        task = asyncio.create_task(self._deliver_with_retries(list(events)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver_with_retries(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            for delay in DELIVERY_DELAYS:
                await asyncio.sleep(delay)
                try:
                    delivery = await self.deliver(event)
                except (aiohttp.ClientError, OSError) as error:
                    logger.warning("Webhook %s not delivered: %s", event["id"], error)
                    continue
                if 200 <= delivery.status < 300:
                    break
                logger.warning("Webhook %s answered %s", event["id"], delivery.status)
            else:
                logger.error("Gave up delivering webhook %s (%s)", event["id"], event["type"])

    async def background_deliveries(self) -> None:
        """Wait until the events of the pages are delivered (for tests)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def events_of(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]


def summarize(requests: Iterable[StripeRequest]) -> list[str]:
    return [f"{r.method} {r.path} {r.status}" for r in requests]
