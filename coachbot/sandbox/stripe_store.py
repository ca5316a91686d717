"""The fake Stripe's bookkeeping: ids, signatures, the objects it holds, the requests it
was sent and the webhook deliveries it made."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from coachbot.sandbox.stripe_spec import (
    StripeApiError,
)

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
class SavedResponse:
    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass
class ObjectStore:
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
