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
import json
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from coachbot.sandbox.stripe_catalog import CatalogApi
from coachbot.sandbox.stripe_checkout import CheckoutApi
from coachbot.sandbox.stripe_pages import StripePages
from coachbot.sandbox.stripe_payments import PaymentsApi
from coachbot.sandbox.stripe_spec import (
    StripeApiError,
    check_params,
    decode_form,
    find_operation,
    load_fixtures,
)
from coachbot.sandbox.stripe_store import (  # noqa: F401  (sign_payload: used by tests)
    API_VERSION,
    ObjectStore,
    SavedResponse,
    StripeRequest,
    WebhookDelivery,
    new_id,
    sign_payload,
)
from coachbot.sandbox.stripe_subscriptions import SubscriptionsApi
from coachbot.sandbox.stripe_webhooks import WebhooksApi, summarize  # noqa: F401

logger = logging.getLogger(__name__)


class FakeStripeServer(CatalogApi, CheckoutApi, SubscriptionsApi, PaymentsApi, WebhooksApi):
    """The server and its state; each Stripe resource's endpoints and payer actions
    live in their own module (stripe_catalog, stripe_checkout, stripe_subscriptions,
    stripe_payments, stripe_webhooks)."""

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
        self.store = ObjectStore()
        self.requests: list[StripeRequest] = []
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[WebhookDelivery] = []
        self._idempotent: dict[str, SavedResponse] = {}
        self._request_key: str | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._runner = web.AppRunner(self._build_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
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
            self._idempotent[key] = SavedResponse(
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

    def _replay(
        self, key: str, method: str, path: str, params: dict[str, Any]
    ) -> SavedResponse | None:
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
