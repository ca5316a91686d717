"""The fake Stripe's catalogue and accounts: products, prices, customers, payment links
and customer portal sessions (part of `FakeStripeServer`)."""

from __future__ import annotations

import secrets
from typing import Any

from coachbot.sandbox.stripe_core import StripeCore
from coachbot.sandbox.stripe_spec import (
    StripeApiError,
)
from coachbot.sandbox.stripe_store import (
    new_id,
)


class CatalogApi(StripeCore):
    """Products, prices, customers, payment links and portal sessions."""

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
