"""The fake Stripe's Checkout: sessions created over the API, and paid, left to expire or
settled later by the payer (part of `FakeStripeServer`)."""

from __future__ import annotations

from typing import Any

from coachbot.sandbox.stripe_core import StripeCore
from coachbot.sandbox.stripe_spec import (
    StripeApiError,
)
from coachbot.sandbox.stripe_store import (
    new_id,
)


class CheckoutApi(StripeCore):
    """Checkout sessions over the API and what the payer does with them."""

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
