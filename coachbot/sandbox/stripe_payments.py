"""The fake Stripe's money movements: charges, refunds (over the API and in the
dashboard) and saved cards (part of `FakeStripeServer`)."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from coachbot.sandbox.stripe_core import StripeCore
from coachbot.sandbox.stripe_spec import (
    StripeApiError,
)
from coachbot.sandbox.stripe_store import (
    new_id,
)


class PaymentsApi(StripeCore):
    """Charges, refunds and saved cards."""

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
