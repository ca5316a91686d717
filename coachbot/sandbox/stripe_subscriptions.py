"""The fake Stripe's subscriptions and invoices: changes over the API, renewals that
succeed or fail, invoices paid later (part of `FakeStripeServer`)."""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from coachbot.sandbox.stripe_core import StripeCore
from coachbot.sandbox.stripe_spec import (
    StripeApiError,
)
from coachbot.sandbox.stripe_store import (
    INTERVALS,
    new_id,
)


class SubscriptionsApi(StripeCore):
    """Subscriptions and their invoices."""

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
