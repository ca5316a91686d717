"""The fake Stripe server refuses what Stripe refuses, replays idempotent requests, shapes
its objects like Stripe's fixtures and signs webhooks the way the official helper checks.
Driven by the real `stripe` package over HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import stripe
from aiohttp import web

from coachbot.sandbox.stripe_server import FakeStripeServer, sign_payload
from coachbot.sandbox.stripe_spec import StripeApiError, decode_form, load_fixtures

KEY = "sk_test_fake_server"


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[FakeStripeServer]:
    fake = FakeStripeServer(api_key=KEY, webhook_secret="whsec_test")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def client(server: FakeStripeServer) -> AsyncIterator[stripe.StripeClient]:
    server.reset()
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(
        KEY, base_addresses={"api": server.url}, http_client=http, max_network_retries=0
    )
    await http.close_async()


async def price(client: stripe.StripeClient, *, recurring: bool = True) -> str:
    product = await client.v1.products.create_async({"name": "Coaching"})
    params = {"product": product.id, "currency": "eur", "unit_amount": 4900}
    if recurring:
        params["recurring"] = {"interval": "month"}
    return (await client.v1.prices.create_async(params)).id


def test_nested_form_keys_decode_like_stripe_encodes_them():
    pairs = [
        ("line_items[0][price]", "price_1"),
        ("line_items[0][quantity]", "1"),
        ("metadata[client_id]", "7"),
        ("expand[0]", "payments"),
        ("pause_collection", ""),
    ]
    assert decode_form(pairs) == {
        "line_items": [{"price": "price_1", "quantity": "1"}],
        "metadata": {"client_id": "7"},
        "expand": ["payments"],
        "pause_collection": "",
    }
    with pytest.raises(StripeApiError):
        decode_form([("a]b", "1")])


async def test_unknown_missing_and_mistyped_parameters_are_refused(client, server):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await client.v1.products.create_async({"name": "X", "colour": "red"})
    assert unknown.value.http_status == 400
    assert unknown.value.user_message == "Received unknown parameter: colour"
    assert unknown.value.param == "colour"
    with pytest.raises(stripe.InvalidRequestError) as nested:
        await client.v1.checkout.sessions.create_async(
            {
                "success_url": "https://x/s",
                "cancel_url": "https://x/c",
                "line_items": [{"price": "p", "qty": 1}],
            }
        )
    assert nested.value.user_message == "Received unknown parameter: line_items[0][qty]"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.checkout.sessions.create_async({"mode": "payment"})
    assert missing.value.user_message.startswith("Missing required param: cancel_url")
    with pytest.raises(stripe.InvalidRequestError) as wrong_type:
        await client.v1.prices.create_async({"currency": "eur", "unit_amount": "lots"})
    assert wrong_type.value.user_message == "Invalid integer: lots"
    with pytest.raises(stripe.InvalidRequestError) as wrong_enum:
        await client.v1.subscriptions.update_async(
            "sub_x", {"pause_collection": {"behavior": "nap"}}
        )
    assert "must be one of" in wrong_enum.value.user_message
    assert [r.status for r in server.rejections] == [400] * 5


async def test_a_wrong_key_is_refused(server):
    http = stripe.AIOHTTPClient()
    other = stripe.StripeClient(
        "sk_test_wrong", base_addresses={"api": server.url}, http_client=http
    )
    with pytest.raises(stripe.AuthenticationError):
        await other.v1.products.create_async({"name": "X"})
    await http.close_async()


async def test_idempotency_keys_replay_and_refuse_other_parameters(client, server):
    first = await client.v1.customers.create_async({"name": "Cleo"}, {"idempotency_key": "k1"})
    again = await client.v1.customers.create_async({"name": "Cleo"}, {"idempotency_key": "k1"})
    assert again.id == first.id and len(server.of_type("customer")) == 1
    assert server.requests[-1].replayed
    with pytest.raises(stripe.IdempotencyError):
        await client.v1.customers.create_async({"name": "Ben"}, {"idempotency_key": "k1"})
    # A refused request saves no result: the same key works once the request is right.
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.customers.create_async({"nme": "Dan"}, {"idempotency_key": "k2"})
    fixed = await client.v1.customers.create_async({"name": "Dan"}, {"idempotency_key": "k2"})
    assert fixed.name == "Dan"


async def test_objects_have_the_fields_of_stripes_fixtures(client, server):
    price_id = await price(client)
    customer = await client.v1.customers.create_async({"name": "Cleo"})
    session = await client.v1.checkout.sessions.create_async(
        {
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": "https://x/s",
            "cancel_url": "https://x/c",
        }
    )
    fixtures = load_fixtures()
    assert set(fixtures["checkout.session"]) <= set(session.to_dict())
    events = await server.complete_checkout(session.id, deliver=False)
    for event in events:
        obj = event["data"]["object"]
        assert set(fixtures[obj["object"]]) <= set(obj), obj["object"]
        assert set(fixtures["event"]) <= set(event)
    invoice = await client.v1.invoices.retrieve_async(
        events[-1]["data"]["object"]["id"], {"expand": ["payments"]}
    )
    assert invoice.status == "paid"
    assert invoice.to_dict()["payments"]["data"][0]["payment"]["payment_intent"].startswith("pi_")


async def test_a_mode_that_does_not_fit_the_price_is_refused(client):
    one_off = await price(client, recurring=False)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.checkout.sessions.create_async(
            {
                "mode": "subscription",
                "line_items": [{"price": one_off, "quantity": 1}],
                "success_url": "https://x/s",
                "cancel_url": "https://x/c",
            }
        )
    assert "recurring price" in refused.value.user_message


async def test_refunds_cannot_exceed_the_charge(client, server):
    one_off = await price(client, recurring=False)
    session = await client.v1.checkout.sessions.create_async(
        {
            "mode": "payment",
            "line_items": [{"price": one_off, "quantity": 1}],
            "success_url": "https://x/s",
            "cancel_url": "https://x/c",
        }
    )
    await server.complete_checkout(session.id, deliver=False)
    intent = server.get(session.id)["payment_intent"]
    refund = await client.v1.refunds.create_async({"payment_intent": intent, "amount": 900})
    assert refund.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await client.v1.refunds.create_async({"payment_intent": intent, "amount": 4001})
    assert too_much.value.code == "amount_too_large"
    assert server.charge_of(intent)["amount_refunded"] == 900
    assert server.events[-1]["type"] == "charge.refunded"


async def test_webhooks_are_signed_as_the_official_helper_checks(server):
    received: list[tuple[bytes, str | None]] = []

    async def endpoint(request: web.Request) -> web.Response:
        received.append((await request.read(), request.headers.get("Stripe-Signature")))
        return web.json_response({"received": True})

    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.webhook_url = f"http://127.0.0.1:{port}/hook"
    try:
        event = server.emit("invoice.paid", {"id": "in_1", "object": "invoice"})
        assert (await server.deliver(event)).status == 200
        await server.deliver(event, signature="bad")
        await server.deliver(event, signature=None)
    finally:
        await runner.cleanup()
    payload, signature = received[0]
    assert stripe.WebhookSignature.verify_header(payload, signature, "whsec_test", 300)
    assert json.loads(payload)["id"] == event["id"]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(received[1][0], received[1][1], "whsec_test")
    assert received[2][1] is None
    assert sign_payload("{}", "s", 1).startswith("t=1,v1=")
