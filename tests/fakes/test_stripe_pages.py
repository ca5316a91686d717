"""The fake Stripe's pages, used the way a browser uses them: Checkout takes Stripe's test
cards (and refuses the rest as Stripe does), hosted invoices are paid by card, the portal
cancels and renews, payment links open a checkout; what the payer does reaches the
webhook endpoint, signed, in the background, and again after a failed delivery."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
import stripe
from aiohttp import web
from pypdf import PdfReader

from coachbot.sandbox.stripe_cards import CardRefused, luhn_valid, read_card
from coachbot.sandbox.stripe_invoice import invoice_pdf
from coachbot.sandbox.stripe_server import FakeStripeServer

KEY = "sk_test_pages"
SECRET = "whsec_pages"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
VISA = {"cardnumber": "4242 4242 4242 4242", "expiry": "12 / 30", "cvc": "123"}


class Endpoint:
    """The webhook endpoint: answers with the queued statuses first, then 200."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bool]] = []
        self.statuses: list[int] = []

    async def handle(self, request: web.Request) -> web.Response:
        payload = await request.read()
        try:
            event = stripe.Webhook.construct_event(
                payload, request.headers.get("Stripe-Signature", ""), SECRET
            )
            signed = True
        except stripe.SignatureVerificationError:
            signed = False
            event = {"type": "?"}
        self.received.append((event["type"], signed))
        return web.json_response({}, status=self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[tuple[FakeStripeServer, Endpoint]]:
    endpoint = Endpoint()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake = FakeStripeServer(api_key=KEY, webhook_secret=SECRET, account_name="Anna's coaching")
    await fake.start()
    fake.webhook_url = f"http://127.0.0.1:{port}/hook"
    yield fake, endpoint
    await fake.stop()
    await runner.cleanup()


@pytest.fixture
async def stripe_api(server) -> FakeStripeServer:
    fake, endpoint = server
    fake.reset()
    endpoint.received.clear()
    endpoint.statuses.clear()
    return fake


@pytest.fixture
async def endpoint(server) -> Endpoint:
    return server[1]


@pytest.fixture
async def client(stripe_api) -> AsyncIterator[stripe.StripeClient]:
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(
        KEY, base_addresses={"api": stripe_api.url}, http_client=http, max_network_retries=0
    )
    await http.close_async()


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def checkout(
    client: stripe.StripeClient, *, recurring: bool = True, customer: bool = True, **extra
):
    product = await client.v1.products.create_async(
        {"name": "Online coaching", "description": "Weekly check-ins"}
    )
    params = {"product": product.id, "currency": "eur", "unit_amount": 5900}
    if recurring:
        params["recurring"] = {"interval": "month"}
    price = await client.v1.prices.create_async(params)
    session = {
        "mode": "subscription" if recurring else "payment",
        "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "http://127.0.0.1:9/billing/success?lang=en",
        "cancel_url": "http://127.0.0.1:9/billing/cancel?lang=en",
        **extra,
    }
    if customer:
        payer = await client.v1.customers.create_async(
            {"email": "eli@example.org", "name": "Eli Novak"}
        )
        session["customer"] = payer.id
    return await client.v1.checkout.sessions.create_async(session)


def test_card_numbers_dates_and_codes_are_checked_as_stripe_checks_them():
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424241")
    card = read_card(VISA, NOW)
    assert card == {"brand": "Visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}
    refusals = {
        "4242": "Your card number is incomplete.",
        "4242 4242 4242 4241": "Your card number is invalid.",
        "4000 0000 0000 0002": "Your card was declined.",
        "4000 0000 0000 9995": "Your card has insufficient funds.",
        "4000 0000 0000 0069": "Your card has expired.",
    }
    for number, message in refusals.items():
        with pytest.raises(CardRefused) as refused:
            read_card({**VISA, "cardnumber": number}, NOW)
        assert refused.value.message == message
        assert refused.value.field == "cardnumber"
    with pytest.raises(CardRefused) as real:  # a real card number in test mode
        read_card({**VISA, "cardnumber": "4111 1111 1111 1111"}, NOW)
    assert real.value.status == 402 and "only the test cards" in real.value.message
    for expiry, message in (
        ("", "Your card's expiration date is incomplete."),
        ("13/30", "Your card's expiration month is invalid."),
        ("02/26", "Your card's expiration date is in the past."),
    ):
        with pytest.raises(CardRefused) as refused:
            read_card({**VISA, "expiry": expiry}, NOW)
        assert (refused.value.message, refused.value.field) == (message, "expiry")
    assert read_card({**VISA, "expiry": "3/2026"}, NOW)["exp_year"] == 2026
    with pytest.raises(CardRefused) as cvc:
        read_card({**VISA, "cvc": "12"}, NOW)
    assert cvc.value.message == "Your card's security code is incomplete."


async def test_a_declined_card_charges_nothing_and_a_test_card_pays(
    client, stripe_api, endpoint, browser
):
    session = await checkout(client)
    async with browser.get(session.url) as page:
        assert page.status == 200
        text = await page.text()
    assert "<title>Sandbox Stripe checkout · Anna&#39;s coaching</title>" in text
    assert "Subscribe to Online coaching" in text and "€59.00" in text
    assert 'value="eli@example.org" readonly' in text

    declined = {**VISA, "cardnumber": "4000 0000 0000 0002"}
    async with browser.post(session.url, data=declined, allow_redirects=False) as page:
        assert page.status == 402
        assert "Your card was declined." in await page.text()
    assert stripe_api.get(session.id)["status"] == "open"
    assert stripe_api.events == []

    async with browser.post(session.url, data=VISA, allow_redirects=False) as page:
        assert page.status == 303
        assert page.headers["Location"] == "http://127.0.0.1:9/billing/success?lang=en"
    assert stripe_api.get(session.id)["status"] == "complete"
    await stripe_api.background_deliveries()
    assert endpoint.received == [
        ("customer.subscription.created", True),
        ("checkout.session.completed", True),
        ("invoice.paid", True),
    ]
    customer = stripe_api.get(stripe_api.get(session.id)["customer"])
    assert customer["_card"]["last4"] == "4242"
    async with browser.get(session.url) as page:  # back to a paid checkout
        assert "This checkout is paid" in await page.text()


async def test_a_payer_without_a_customer_gives_an_email_and_sees_their_language(
    client, stripe_api, browser
):
    session = await checkout(client, recurring=False, customer=False, locale="de")
    async with browser.get(session.url) as page:
        text = await page.text()
    assert "59,00\xa0€" in text and 'name="email"' in text
    async with browser.post(session.url, data=VISA, allow_redirects=False) as page:
        assert page.status == 400
        assert "Your email address is incomplete." in await page.text()
    data = {**VISA, "email": "payer@example.org"}
    async with browser.post(session.url, data=data, allow_redirects=False) as page:
        assert page.status == 303
    paid = stripe_api.get(session.id)
    assert paid["payment_status"] == "paid"
    assert stripe_api.get(paid["customer"])["email"] == "payer@example.org"


async def test_an_expired_checkout_cannot_be_paid(client, stripe_api, browser):
    session = await checkout(client)
    await stripe_api.expire_checkout(session.id, deliver=False)
    async with browser.post(session.url, data=VISA, allow_redirects=False) as page:
        assert page.status == 410
        assert "This checkout has expired" in await page.text()
    assert stripe_api.get(session.id)["status"] == "expired"


async def test_a_failed_renewal_is_paid_on_the_hosted_invoice_with_a_pdf(
    client, stripe_api, endpoint, browser
):
    session = await checkout(client)
    await stripe_api.complete_checkout(session.id, deliver=False)
    subscription = stripe_api.get(session.id)["subscription"]
    await stripe_api.renew_subscription(subscription, succeed=False, deliver=False)
    invoice = stripe_api.get(stripe_api.get(subscription)["latest_invoice"])
    async with browser.get(invoice["hosted_invoice_url"]) as page:
        text = await page.text()
    assert "the last attempt to charge your card failed" in text and "Pay €59.00" in text
    async with browser.get(invoice["invoice_pdf"]) as page:
        assert page.content_type == "application/pdf"
        pdf = PdfReader(io.BytesIO(await page.read()))
    assert invoice["number"] in pdf.pages[0].extract_text()

    expired = {**VISA, "cardnumber": "4000 0000 0000 0069"}
    async with browser.post(invoice["hosted_invoice_url"], data=expired) as page:
        assert page.status == 402 and "Your card has expired." in await page.text()
    assert invoice["status"] == "open"
    async with browser.post(invoice["hosted_invoice_url"], data=VISA) as page:
        assert page.status == 200 and "Paid " in await page.text()
    await stripe_api.background_deliveries()
    assert invoice["status"] == "paid" and stripe_api.get(subscription)["status"] == "active"
    assert endpoint.received == [("invoice.paid", True), ("customer.subscription.updated", True)]


async def test_the_portal_shows_the_plan_and_card_and_cancels_at_period_end(
    client, stripe_api, endpoint, browser
):
    session = await checkout(client)
    async with browser.post(session.url, data=VISA, allow_redirects=False):
        pass
    customer = stripe_api.get(session.id)["customer"]
    subscription = stripe_api.get(session.id)["subscription"]
    portal = await client.v1.billing_portal.sessions.create_async(
        {"customer": customer, "return_url": "http://127.0.0.1:9/billing/done"}
    )
    async with browser.get(portal.url) as page:
        text = await page.text()
    assert "Online coaching" in text and "Visa •••• 4242 · Expires 12/2030" in text
    assert 'href="http://127.0.0.1:9/billing/done"' in text
    await stripe_api.background_deliveries()
    endpoint.received.clear()

    async with browser.post(f"{portal.url}/subscriptions/{subscription}/cancel") as page:
        assert "Your plan is cancelled" in await page.text()
    assert stripe_api.get(subscription)["cancel_at_period_end"] is True
    async with browser.post(f"{portal.url}/subscriptions/{subscription}/renew") as page:
        assert "Your plan renews again" in await page.text()
    assert stripe_api.get(subscription)["cancel_at_period_end"] is False
    await stripe_api.background_deliveries()
    assert endpoint.received == [("customer.subscription.updated", True)] * 2

    mastercard = {**VISA, "cardnumber": "5555 5555 5555 4444"}
    async with browser.post(f"{portal.url}/card", data=mastercard) as page:
        text = await page.text()
    assert "Your card is saved" in text and "Mastercard •••• 4444" in text

    # Someone else's subscription is not reachable from this portal.
    other = await checkout(client)
    await stripe_api.complete_checkout(other.id, deliver=False)
    foreign = stripe_api.get(other.id)["subscription"]
    async with browser.post(f"{portal.url}/subscriptions/{foreign}/cancel") as page:
        assert page.status == 404
    assert stripe_api.get(foreign)["cancel_at_period_end"] is False


async def test_a_payment_link_opens_a_checkout_until_it_is_switched_off(
    client, stripe_api, browser
):
    product = await client.v1.products.create_async({"name": "Kick-off session"})
    price = await client.v1.prices.create_async(
        {"product": product.id, "currency": "eur", "unit_amount": 7500}
    )
    link = await client.v1.payment_links.create_async(
        {"line_items": [{"price": price.id, "quantity": 1}]}
    )
    async with browser.get(link.url, allow_redirects=False) as page:
        assert page.status == 303
        opened = page.headers["Location"]
    assert opened.startswith(f"{stripe_api.url}/c/pay/cs_test_")
    data = {**VISA, "email": "buyer@example.org"}
    async with browser.post(opened, data=data) as page:
        assert "Thanks for your payment" in await page.text()  # the link's own done page
    assert stripe_api.of_type("checkout.session")[0]["payment_link"] == link.id
    await client.v1.payment_links.update_async(link.id, {"active": False})
    async with browser.get(link.url) as page:
        assert page.status == 410


async def test_a_refused_delivery_is_retried(client, stripe_api, endpoint, browser):
    endpoint.statuses = [503]
    session = await checkout(client, recurring=False)
    async with browser.post(session.url, data=VISA, allow_redirects=False):
        pass
    await stripe_api.background_deliveries()
    assert endpoint.received == [("checkout.session.completed", True)] * 2
    assert [d.status for d in stripe_api.deliveries] == [503, 200]


def test_the_invoice_pdf_leaves_out_what_its_font_cannot_draw():
    """Helvetica has no emoji: a package named "🔥 Shred" would show a black box."""
    line = {"description": "🔥 Shred 12 weeks", "amount": 4900, "currency": "eur"}
    invoice = {
        "number": "SBX-0001",
        "created": int(NOW.timestamp()),
        "status": "paid",
        "lines": {"data": [line]},
        "amount_due": 4900,
        "amount_paid": 4900,
        "currency": "eur",
    }
    customer = {"name": "Dana 💪 Weiß", "email": "dana@example.org"}
    text = PdfReader(io.BytesIO(invoice_pdf(invoice, customer, "Anna ✨ Coach"))).pages[0]
    shown = text.extract_text()
    assert "Shred 12 weeks" in shown and "Dana Weiß" in shown and "Anna Coach" in shown
    assert "€49.00" in shown
    assert "■" not in shown
