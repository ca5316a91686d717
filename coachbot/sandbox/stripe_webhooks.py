"""The fake Stripe's events and their signed webhook deliveries, retried as Stripe does
(part of `FakeStripeServer`)."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Iterable
from typing import Any

import aiohttp

from coachbot.sandbox.stripe_core import StripeCore
from coachbot.sandbox.stripe_store import (
    API_VERSION,
    DELIVERY_DELAYS,
    StripeRequest,
    WebhookDelivery,
    new_id,
    sign_payload,
)

logger = logging.getLogger(__name__)


class WebhooksApi(StripeCore):
    """Events recorded, and delivered to `webhook_url`."""

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
