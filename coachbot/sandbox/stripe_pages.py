"""The pages Stripe hosts, as the fake Stripe server shows them to a browser: Checkout
(with a test card form), hosted invoices and their PDF, the customer portal, and payment
links. They let someone trying the sandbox pay, fail to pay, fix a failed payment and
cancel, with nothing leaving the machine.

Cards follow Stripe's test mode: its test numbers succeed or decline as they do there,
any other number is refused, and a card's number, expiry date and security code are
checked first, with Stripe's messages. What the payer does causes the events Stripe would
send, delivered in the background, as Stripe does once its page has answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from coachbot.sandbox.stripe_cards import TEST_CARDS, CardRefused, card_text, read_card, read_email
from coachbot.sandbox.stripe_invoice import (
    amount_text,
    day_text,
    interval_text,
    invoice_pdf,
    locale_of,
)
from coachbot.sandbox.stripe_spec import StripeApiError

if TYPE_CHECKING:
    from coachbot.sandbox.stripe_server import FakeStripeServer

TEMPLATES = Path(__file__).parent / "stripe_web"
# The look the bot's own return pages have too, so a payer goes from "Stripe" to the bot
# without a jump (a file, not an import: the fakes stay independent of the bot's code).
SHARED_CSS = Path(__file__).parents[1] / "web" / "static" / "pages.css"


def success_url(session: Mapping[str, Any]) -> str:
    return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])


# ---------------------------------------------------------------------------- the pages


class StripePages:
    def __init__(self, server: FakeStripeServer) -> None:
        self.server = server
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(amount=amount_text, day=day_text, card_text=card_text)

    def install(self, app: web.Application) -> None:
        routes = (
            ("GET", "/static/pages.css", self._stylesheet),
            ("GET", "/static/stripe.css", self._stylesheet),
            ("GET", "/c/pay/{session}", self._checkout_page),
            ("POST", "/c/pay/{session}", self._checkout_submit),
            ("GET", "/i/{invoice}", self._invoice_page),
            ("POST", "/i/{invoice}", self._invoice_submit),
            ("GET", "/i/{invoice}/pdf", self._invoice_pdf),
            ("GET", "/p/session/{session}", self._portal_page),
            ("POST", "/p/session/{session}/card", self._portal_card),
            ("POST", "/p/session/{session}/subscriptions/{sub}/{choice}", self._portal_plan),
            ("GET", "/b/{link}", self._payment_link),
            ("GET", "/b/{link}/done", self._payment_link_done),
        )
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)

    # -- helpers --------------------------------------------------------------------

    def _render(self, template: str, status: int = 200, /, **values: Any) -> web.Response:
        values.setdefault("business", self.server.account_name)
        values.setdefault("test_cards", TEST_CARDS)
        text = self.templates.get_template(template).render(**values)
        return web.Response(text=text, status=status, content_type="text/html")

    def _notice(self, title: str, text: str, status: int = 200, /, **values: Any) -> web.Response:
        return self._render("notice.html", status, title=title, text=text, **values)

    def _object(self, object_id: str, kind: str) -> dict[str, Any]:
        try:
            found = self.server.store.get(object_id, kind)
        except StripeApiError:
            raise web.HTTPNotFound(
                text="This page does not exist (any more): the sandbox starts afresh each time.",
            ) from None
        if found.get("customer"):
            self.server.last_payer = str(found["customer"])
        return found

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.server.now(), UTC)

    async def _stylesheet(self, request: web.Request) -> web.FileResponse:
        path = SHARED_CSS if request.path.endswith("/pages.css") else TEMPLATES / "stripe.css"
        return web.FileResponse(path, headers={"Content-Type": "text/css"})

    # -- Checkout -------------------------------------------------------------------

    async def _checkout_page(self, request: web.Request) -> web.Response:
        session = self._object(request.match_info["session"], "checkout.session")
        if session["status"] != "open":
            return self._closed_checkout(session)
        return self._checkout(session)

    def _checkout(
        self,
        session: dict[str, Any],
        *,
        error: CardRefused | None = None,
        form: Mapping[str, str] | None = None,
    ) -> web.Response:
        store = self.server.store.objects
        price = store[session["line_items_price"]]
        customer = store.get(session["customer"] or "")
        trial_days = session["subscription_data"]["trial_period_days"]
        locale = locale_of(session)
        return self._render(
            "checkout.html",
            error.status if error else 200,
            session=session,
            product=store[price["product"]],
            price=price,
            quantity=session["line_items_quantity"],
            interval=interval_text(price),
            trial_days=trial_days if session["mode"] == "subscription" else 0,
            trial_ends=self.server.now() + trial_days * 24 * 3600,
            due_today=0
            if trial_days and session["mode"] == "subscription"
            else (session["amount_total"]),
            email=(customer or {}).get("email") or session.get("customer_email"),
            name=(customer or {}).get("name") or "",
            locale=locale,
            error=error,
            form=form or {},
        )

    def _closed_checkout(self, session: dict[str, Any]) -> web.Response:
        if session["status"] == "complete":
            return self._notice(
                "This checkout is paid",
                "Thank you: this payment is complete. You can close this tab.",
                back=success_url(session),
            )
        return self._notice(
            "This checkout has expired",
            "Nothing was charged. Ask for a new payment link in the chat.",
            410,
            back=session["cancel_url"],
        )

    async def _checkout_submit(self, request: web.Request) -> web.Response:
        session = self._object(request.match_info["session"], "checkout.session")
        if session["status"] != "open":
            return self._closed_checkout(session)
        form = {key: str(value) for key, value in (await request.post()).items()}
        try:
            email = None if session["customer"] else read_email(form)
            card = read_card(form, self._now())
        except CardRefused as refused:
            return self._checkout(session, error=refused, form=form)
        if email is not None:
            session["customer_email"] = email
        events = await self.server.complete_checkout(session["id"], deliver=False)
        self.server.save_card(session["customer"], card)
        self.server.deliver_in_background(events)
        raise web.HTTPSeeOther(success_url(session))

    # -- hosted invoices ------------------------------------------------------------

    def _invoice(
        self,
        invoice: dict[str, Any],
        *,
        error: CardRefused | None = None,
        form: Mapping[str, str] | None = None,
    ) -> web.Response:
        customer = self.server.store.objects.get(invoice["customer"] or "", {})
        return self._render(
            "invoice.html",
            error.status if error else 200,
            invoice=invoice,
            customer=customer,
            locale=locale_of({"locale": (customer.get("preferred_locales") or ["en"])[0]}),
            error=error,
            form=form or {},
        )

    async def _invoice_page(self, request: web.Request) -> web.Response:
        return self._invoice(self._object(request.match_info["invoice"], "invoice"))

    async def _invoice_submit(self, request: web.Request) -> web.Response:
        invoice = self._object(request.match_info["invoice"], "invoice")
        if invoice["status"] == "open":
            form = {key: str(value) for key, value in (await request.post()).items()}
            try:
                card = read_card(form, self._now())
            except CardRefused as refused:
                return self._invoice(invoice, error=refused, form=form)
            events = await self.server.pay_invoice(invoice["id"], deliver=False)
            if invoice["customer"]:
                self.server.save_card(invoice["customer"], card)
            self.server.deliver_in_background(events)
        raise web.HTTPSeeOther(f"/i/{invoice['id']}")

    async def _invoice_pdf(self, request: web.Request) -> web.Response:
        invoice = self._object(request.match_info["invoice"], "invoice")
        customer = self.server.store.objects.get(invoice["customer"] or "", {})
        body = invoice_pdf(invoice, customer, self.server.account_name)
        return web.Response(
            body=body,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="invoice-{invoice["number"]}.pdf"'},
        )

    # -- the customer portal --------------------------------------------------------

    def _portal(
        self,
        portal: dict[str, Any],
        *,
        error: CardRefused | None = None,
        notice: str = "",
    ) -> web.Response:
        customer_id = portal["customer"]
        customer = self.server.store.objects[customer_id]
        subscriptions = [
            s for s in self.server.of_type("subscription") if s["customer"] == customer_id
        ]
        invoices = sorted(
            (
                i
                for i in self.server.of_type("invoice")
                if i["customer"] == customer_id and i["status"] != "draft"
            ),
            key=lambda i: i["created"],
            reverse=True,
        )
        store = self.server.store.objects
        plans = [
            {
                "subscription": s,
                "product": store[s["items"]["data"][0]["price"]["product"]],
                "price": s["items"]["data"][0]["price"],
                "interval": interval_text(s["items"]["data"][0]["price"]),
                "period_end": s["items"]["data"][0]["current_period_end"],
            }
            for s in sorted(subscriptions, key=lambda s: s["created"], reverse=True)
        ]
        return self._render(
            "portal.html",
            error.status if error else 200,
            portal=portal,
            customer=customer,
            card=customer.get("_card"),
            plans=plans,
            invoices=invoices,
            locale=locale_of(portal),
            error=error,
            notice=notice,
        )

    async def _portal_page(self, request: web.Request) -> web.Response:
        portal = self._object(request.match_info["session"], "billing_portal.session")
        notices = {
            "card": "Your card is saved: it pays your next invoices.",
            "cancel": "Your plan is cancelled: it ends at the end of the period you paid for.",
            "renew": "Your plan renews again as before.",
        }
        return self._portal(portal, notice=notices.get(request.query.get("done", ""), ""))

    async def _portal_card(self, request: web.Request) -> web.Response:
        portal = self._object(request.match_info["session"], "billing_portal.session")
        form = {key: str(value) for key, value in (await request.post()).items()}
        try:
            card = read_card(form, self._now())
        except CardRefused as refused:
            return self._portal(portal, error=refused)
        self.server.save_card(portal["customer"], card)
        raise web.HTTPSeeOther(f"/p/session/{portal['id']}?done=card")

    async def _portal_plan(self, request: web.Request) -> web.Response:
        portal = self._object(request.match_info["session"], "billing_portal.session")
        subscription = self._object(request.match_info["sub"], "subscription")
        choice = request.match_info["choice"]
        if subscription["customer"] != portal["customer"] or choice not in ("cancel", "renew"):
            raise web.HTTPNotFound()
        if subscription["status"] != "canceled":
            events = await self.server.set_cancel_at_period_end(
                subscription["id"], choice == "cancel", deliver=False
            )
            self.server.deliver_in_background(events)
        raise web.HTTPSeeOther(f"/p/session/{portal['id']}?done={choice}")

    # -- payment links --------------------------------------------------------------

    async def _payment_link(self, request: web.Request) -> web.Response:
        link = self._object(request.match_info["link"], "payment_link")
        if not link["active"]:
            return self._notice(
                "This link is no longer active",
                f"{self.server.account_name} stopped selling through this link.",
                410,
            )
        session = self.server.payment_link_session(link["id"])
        raise web.HTTPSeeOther(session["url"])

    async def _payment_link_done(self, request: web.Request) -> web.Response:
        self._object(request.match_info["link"], "payment_link")
        return self._notice(
            "Thanks for your payment",
            f"{self.server.account_name} has your payment; a receipt is on its way.",
        )
