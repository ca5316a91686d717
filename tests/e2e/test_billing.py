"""Billing end to end: the real bot, the real `stripe` package talking HTTP to the fake
Stripe server, and Stripe's webhooks signed and POSTed to the bot's web server."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import func, select

from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.tables import Base, PaymentRow, StripeEventRow, SubscriptionRow
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.billing_helpers import (  # noqa: F401  (fixtures)
    API_KEY,
    WEBHOOK_SECRET,
    Shop,
    create_package,
    joined_client,
    open_billing_menu,
    open_checkout,
    open_client_billing,
    run_dunning,
    send_package,
    shop_fixture,
    stripe_api_fixture,
)
from tests.e2e.checkin_helpers import (
    move_clock_to,
    run_checkin_ticks,
    schedule_weekly,
)
from tests.e2e.conftest import BOT_USERNAME
from tests.e2e.test_run_command import start_run, stop_run
from tests.e2e.test_webhook import free_port

PACKAGE = "Monthly coaching · €49.90 per month"


async def count(shop: Shop, row_class, **where) -> int:
    async with shop.harness.app.session_factory() as session:
        query = select(func.count()).select_from(row_class)
        for name, value in where.items():
            query = query.where(getattr(row_class, name) == value)
        return int(await session.scalar(query) or 0)


async def subscribe(shop: Shop):
    """Coach creates a monthly package and sends it; Cleo pays. Returns Cleo."""
    cleo = await joined_client(shop)
    saved = await create_package(shop)
    assert "Monthly coaching\n€49.90 per month" in saved.text
    await send_package(shop, PACKAGE)
    offer = await cleo.next_bot_message()
    assert offer.text == (
        "Anna Admin sent you a coaching package:\nMonthly coaching · €49.90 per month"
    )
    session_id = await open_checkout(cleo, "💳 Pay €49.90")
    await shop.stripe.complete_checkout(session_id)
    return cleo


async def test_a_package_is_sold_paid_and_the_client_gets_a_receipt(shop: Shop):
    cleo = await subscribe(shop)
    receipt = await cleo.next_bot_message()
    assert receipt.text == (
        "✅ Payment received: €49.90 for Monthly coaching. Thank you!\n"
        "Your plan is active; the next payment is due on Apr 2, 2026."
    )
    assert receipt.buttons == [["🧾 Invoice", "📄 PDF"], ["💳 My plan"]]
    assert receipt.button("🧾 Invoice").url.startswith(shop.stripe.url + "/i/in_")
    told = await shop.coach.next_bot_message()
    assert told.text == "💶 Cleo Park paid €49.90 for Monthly coaching."
    await shop.coach.press("Open client")
    from_notice = await shop.coach.next_bot_message()
    assert from_notice.text.startswith("💳 Cleo Park: billing\nMonthly coaching · €49.90 per month")

    # The coach sees the payment on the client's card and in the revenue.
    card = await open_client_billing(shop)
    assert card.text == from_notice.text
    assert "Status: active" in card.text
    assert "Next payment: Apr 2, 2026" in card.text
    assert "Paid so far: €49.90" in card.text
    assert "• Mar 2, 2026 · €49.90 · Monthly coaching · paid" in card.text
    await shop.coach.press("⬅ Client")
    await shop.coach.next_bot_message()
    revenue = await open_billing_menu(shop.coach, "💶 Revenue")
    assert revenue.text == "Revenue (paid minus refunds): €49.90\n• Cleo Park: €49.90"

    # The client sees their plan and can open the customer portal.
    await cleo.send_text("/billing")
    plan = await cleo.next_bot_message()
    assert plan.text.startswith(
        "Your plan with Anna Admin\nMonthly coaching · €49.90 per month\nStatus: active\n"
        "Next payment: Apr 2, 2026"
    )
    assert "Mar 2, 2026 · €49.90 · Monthly coaching · paid (invoice, PDF)" in plan.text
    await cleo.press("💳 Change card or cancel")
    portal = await cleo.next_bot_message()
    assert portal.button("💳 Open billing portal").url.startswith(shop.stripe.url + "/p/session/")

    # What Stripe was asked: every POST named by its business operation, one customer.
    posts = [r for r in shop.stripe.requests if r.method == "POST"]
    assert posts and all(r.idempotency_key for r in posts)
    keys = [r.idempotency_key for r in posts]
    assert keys[:2] == ["package-1-product", "package-1-price-v1"]
    assert "customer-client-1" in keys and "checkout-1-1" in keys
    assert len(shop.stripe.of_type("customer")) == 1
    checkout = shop.stripe.calls("POST", "/v1/checkout/sessions")[0].params
    assert checkout["client_reference_id"] == "client-1"
    assert checkout["metadata"] == {
        "coach_id": "1",
        "client_id": "1",
        "package_id": "1",
        "checkout_id": "1",
    }
    assert checkout["mode"] == "subscription"
    assert checkout["success_url"] == f"{shop.harness.app.settings.effective_public_url}" + (
        "/billing/success?lang=en"
    )
    shop.stripe.assert_no_rejections()


async def test_a_failed_renewal_is_dunned_access_lapses_after_grace_and_comes_back(shop: Shop):
    cleo = await subscribe(shop)
    await cleo.next_bot_message()  # the receipt
    await shop.coach.bot_messages_until_idle()
    # The coach ties coaching to payment, with 3 days' grace.
    await open_billing_menu(shop.coach, "⚙️ Payment rules")
    await shop.coach.press("Require payment")
    await shop.coach.wait_for(lambda chat: "✅ 3 days grace" in str(chat.bot_messages[-1].buttons))
    await schedule_weekly(shop.harness, "Cleo Park", "Fri", "08:00")

    shop.harness.clock.advance(days=31)
    subscription = shop.stripe.of_type("subscription")[0]
    await shop.stripe.renew_subscription(subscription["id"], succeed=False)
    failed = await cleo.next_bot_message()
    assert failed.text == (
        "⚠️ Your payment of €49.90 for Monthly coaching did not go through. Please update "
        "your card or pay the invoice. Your coaching continues for 3 more days."
    )
    fix_url = failed.button("💳 Fix payment").url
    invoice_id = fix_url.rsplit("/", 1)[-1]
    alert = await shop.coach.next_bot_message()
    assert alert.text == "⚠️ A payment of €49.90 from Cleo Park failed (Monthly coaching)."
    await cleo.send_text("/billing")
    assert "Status: payment overdue" in (await cleo.next_bot_message()).text

    # Within the grace period coaching goes on; after it, a reminder and a pause.
    move_clock_to(shop.harness, datetime(2026, 4, 3, 7, 0, tzinfo=UTC))  # Friday
    await run_checkin_ticks(shop.harness)
    assert (await cleo.next_bot_message()).text.startswith("Hi Cleo, your check-in is ready.")
    move_clock_to(shop.harness, datetime(2026, 4, 4, 9, 0, tzinfo=UTC))
    assert await run_dunning(shop) == 0
    shop.harness.clock.advance(days=1, minutes=1)
    assert await run_dunning(shop) == 2
    assert await run_dunning(shop) == 0  # each message once
    messages = [(await cleo.next_bot_message()).text for _ in range(2)]
    assert messages == [
        "A reminder: your payment of €49.90 for Monthly coaching is still open. "
        "It only takes a minute to fix.",
        "Your coaching is paused because the payment is still open. "
        "It starts again as soon as it is paid.",
    ]
    paused = await shop.coach.next_bot_message()
    assert paused.text.startswith("⏸ Cleo Park's payment is still open after the grace period")
    await cleo.send_text("/billing")
    plan = await cleo.next_bot_message()
    assert "⏸ Your coaching is paused until a payment goes through." in plan.text
    refused = await cleo.callback_answer(await cleo.press("▶️ Start check-in"))
    assert refused.text == (
        "Your coaching is paused until your payment goes through. Send /billing to see your plan."
    )
    # The next check-in is not opened while coaching is paused.
    move_clock_to(shop.harness, datetime(2026, 4, 10, 7, 0, tzinfo=UTC))
    await run_checkin_ticks(shop.harness)
    assert await cleo.bot_messages_until_idle(idle=1) == []

    # Cleo fixes her card: access is back, and so are check-ins.
    await shop.stripe.pay_invoice(invoice_id)
    receipt = await cleo.next_bot_message()
    assert receipt.text.startswith("✅ Payment received: €49.90 for Monthly coaching.")
    await cleo.send_text("/billing")
    plan = await cleo.next_bot_message()
    assert "Status: active" in plan.text and "paused" not in plan.text
    move_clock_to(shop.harness, datetime(2026, 4, 17, 7, 0, tzinfo=UTC))
    await run_checkin_ticks(shop.harness)
    # The check-in left open while paused closes as missed; it can no longer be sent, so
    # the message offers none of the missed tick's "Send it now".
    missed = await cleo.next_bot_message()
    assert missed.text.startswith("Hi Cleo, we missed your last check-in.")
    assert "Your next one is open now." in missed.text and not missed.buttons
    assert (await cleo.next_bot_message()).text.startswith("Hi Cleo, your check-in is ready.")
    assert await count(shop, PaymentRow, status="paid") == 2
    shop.stripe.assert_no_rejections()


async def test_a_partial_refund_flows_through_once(shop: Shop):
    cleo = await subscribe(shop)
    await cleo.next_bot_message()
    await shop.coach.bot_messages_until_idle()
    await open_client_billing(shop)
    await shop.coach.press("🧾 Mar 2, 2026 · €49.90")
    payment = await shop.coach.next_bot_message()
    assert payment.buttons[-1] == ["↩️ Refund all", "↩️ Refund part"]
    await shop.coach.press("↩️ Refund part")
    assert (await shop.coach.next_bot_message()).text == (
        "How much should be refunded? Up to €49.90."
    )
    await shop.coach.send_text("60")
    assert (await shop.coach.next_bot_message()).text == (
        "That is more than what is left to refund."
    )
    await shop.coach.send_text("10")
    confirm = await shop.coach.next_bot_message()
    assert confirm.text == (
        "Refund €10.00 to Cleo Park for Monthly coaching? This cannot be undone."
    )
    button = confirm.button("✅ Refund").callback_data
    await shop.coach.press("✅ Refund")
    await shop.coach.wait_for(
        lambda chat: chat.get(confirm.message_id).text.startswith("Refunded €10.00 ✅")
    )
    told = await cleo.next_bot_message()
    assert told.text == (
        "↩️ €10.00 of your payment for Monthly coaching was refunded. It reaches your card "
        "within 5–10 days."
    )
    # Stripe's charge.refunded webhook, and a second press, change nothing more.
    await shop.stripe.deliver_pending()
    await shop.coach.press_data(confirm.message_id, button)
    await shop.coach.bot_messages_until_idle()
    assert await cleo.bot_messages_until_idle(idle=1) == []
    assert len(shop.stripe.of_type("refund")) == 1
    card = await open_client_billing(shop)
    assert "Paid so far: €39.90" in card.text
    assert "· partly refunded" in card.text
    shop.stripe.assert_no_rejections()


async def test_refunds_made_in_stripes_dashboard_are_told_to_the_client_once(shop: Shop):
    cleo = await subscribe(shop)
    await cleo.next_bot_message()  # the receipt
    await shop.coach.bot_messages_until_idle()
    charge = shop.stripe.of_type("charge")[0]
    events = await shop.stripe.refund_in_dashboard(charge["id"], 1990, deliver=False)
    for event in [*events, *events]:  # delivered twice
        assert (await shop.stripe.deliver(event)).status == 200
    told = await cleo.next_bot_message()
    assert told.text == (
        "↩️ €19.90 of your payment for Monthly coaching was refunded. It reaches your card "
        "within 5–10 days."
    )
    assert await cleo.bot_messages_until_idle(idle=1) == []
    # The rest, later: told again, for what was refunded this time.
    await shop.stripe.refund_in_dashboard(charge["id"])
    told = await cleo.next_bot_message()
    assert told.text.startswith("↩️ €30.00 of your payment for Monthly coaching was refunded.")
    card = await open_client_billing(shop)
    assert "Paid so far: €0.00" in card.text
    assert "· Monthly coaching · refunded" in card.text
    assert await shop.coach.bot_messages_until_idle(idle=1) == []
    shop.stripe.assert_no_rejections()


async def paid_checkout_events(shop: Shop, client: FakeUser) -> list[dict[str, Any]]:
    """`client` (joined) is sent the package and pays it; Stripe's events come back
    undelivered, for the test to deliver (or forge) as it likes."""
    await create_package(shop)
    await send_package(shop, PACKAGE)
    await client.next_bot_message()
    session_id = await open_checkout(client, "💳 Pay €49.90")
    return await shop.stripe.complete_checkout(session_id, deliver=False)


async def test_duplicated_reordered_unsigned_forged_and_stale_webhooks(shop: Shop):
    cleo = await joined_client(shop)
    events = await paid_checkout_events(shop, cleo)
    assert [e["type"] for e in events] == [
        "customer.subscription.created",
        "checkout.session.completed",
        "invoice.paid",
    ]
    now = int(shop.harness.clock.now().timestamp())
    for refused in (
        await shop.stripe.deliver(events[2], signature=None),
        await shop.stripe.deliver(events[2], signature="bad"),
        await shop.stripe.deliver(events[2], signature="t=abc,v1=zzz"),
        await shop.stripe.deliver(events[2], timestamp=now - 301),
        await shop.stripe.deliver(events[2], timestamp=now + 301),
    ):
        assert refused.status == 400
    assert await count(shop, StripeEventRow) == 0
    assert await count(shop, PaymentRow) == 0
    assert await cleo.bot_messages_until_idle() == []

    # Newest first, then everything again: one subscription, one payment, one receipt.
    for event in reversed(events):
        assert (await shop.stripe.deliver(event)).status == 200
    for event in events:
        delivery = await shop.stripe.deliver(event)
        assert delivery.status == 200 and '"duplicate"' in delivery.body
    receipt = await cleo.next_bot_message()
    assert receipt.text.startswith("✅ Payment received: €49.90")
    assert await cleo.bot_messages_until_idle(idle=1) == []
    assert await count(shop, PaymentRow, status="paid") == 1
    assert await count(shop, SubscriptionRow, status="active") == 1

    # A failed renewal paid right away, its events delivered in reverse: no dunning.
    shop.harness.clock.advance(days=31)
    sub_id = shop.stripe.of_type("subscription")[0]["id"]
    failed = await shop.stripe.renew_subscription(sub_id, succeed=False, deliver=False)
    invoice_id = failed[0]["data"]["object"]["id"]
    paid = await shop.stripe.pay_invoice(invoice_id, deliver=False)
    for event in [*paid, *failed]:
        assert (await shop.stripe.deliver(event)).status == 200
    assert (await cleo.next_bot_message()).text.startswith("✅ Payment received")
    assert await cleo.bot_messages_until_idle(idle=1) == []
    assert await count(shop, PaymentRow, status="paid") == 2
    assert await count(shop, SubscriptionRow, status="active") == 1
    shop.harness.clock.advance(days=4)
    assert await run_dunning(shop) == 0
    shop.stripe.assert_no_rejections()


async def everything(shop: Shop) -> dict[str, list[tuple]]:
    """Every row of every table, to show that a request changed nothing."""
    async with shop.harness.app.session_factory() as session:
        return {
            table.name: sorted(map(tuple, await session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


async def post_webhook(shop: Shop, body: bytes, header: str) -> int:
    assert shop.stripe.webhook_url is not None
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            shop.stripe.webhook_url, data=body, headers={"Stripe-Signature": header}
        ) as response,
    ):
        return response.status


def stripe_header(body: bytes, at: int, secret: str = WEBHOOK_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


async def test_malformed_and_replayed_webhooks_get_400_and_change_nothing(shop: Shop):
    cleo = await joined_client(shop)
    events = await paid_checkout_events(shop, cleo)
    invoice_paid = events[2]
    assert await cleo.bot_messages_until_idle(idle=1) == []  # the bot finished its updates
    before = await everything(shop)
    now = int(shop.harness.clock.now().timestamp())

    def body(**changes) -> bytes:
        return json.dumps(invoice_paid | changes).encode()

    def data(object_id) -> dict:
        return {"object": invoice_paid["data"]["object"] | {"id": object_id}}

    refused = [
        b"\xff\xfe{}",
        b"[]",
        b"{",
        body(type=None),
        body(type=["invoice.paid"]),
        body(id={"id": invoice_paid["id"]}),
        body(data=data({"id": invoice_paid["data"]["object"]["id"]})),
        body(data=data(None)),
        body(data={}),
        body(account=1),
    ]
    for payload in refused:
        for header in (stripe_header(payload, now), "t=1,v1=zzz"):
            assert await post_webhook(shop, payload, header) == 400, payload
    # A signature captured two hours ago, sent behind a fresh timestamp with a space.
    genuine = body()
    old = stripe_header(genuine, now - 7200)
    for header in (f"t ={now},{old}", f"{old},t={now}", f"t= {now - 7200},{old[2:]}"):
        assert await post_webhook(shop, genuine, header) == 400, header
    assert await everything(shop) == before
    assert await cleo.bot_messages_until_idle(idle=1) == []
    # The genuine one, signed now, still goes through.
    assert await post_webhook(shop, genuine, stripe_header(genuine, now)) == 200
    assert await count(shop, StripeEventRow) == 1


async def test_another_coach_can_neither_see_nor_refund_this_clients_payments(shop: Shop):
    cleo = await subscribe(shop)
    await cleo.next_bot_message()
    await shop.coach.bot_messages_until_idle()
    card = await open_client_billing(shop)
    payment_button = card.button("🧾 Mar 2, 2026 · €49.90").callback_data
    await shop.coach.press("🧾 Mar 2, 2026 · €49.90")
    await shop.coach.next_bot_message()
    await shop.coach.press("↩️ Refund all")
    confirm = await shop.coach.next_bot_message()
    refund_button = confirm.button("✅ Refund").callback_data
    client_billing = card.button("📦 Send a package").callback_data

    # Ben, another coach, replays Anna's buttons in his own chat.
    from tests.e2e.test_coach_invitations import create_link, open_link

    token = await create_link(shop.harness)
    ben = shop.harness.user(2001, "Ben", last_name="Baker")
    await open_link(ben, token)
    for forged in (payment_button, refund_button, client_billing):
        answer = await ben.callback_answer(await ben.press_data(1, forged))
        assert answer.text in (
            "That payment was not found.",
            "That client was not found.",
        )
    assert shop.stripe.calls("POST", "/v1/refunds") == []
    assert (await open_billing_menu(ben, "💶 Revenue")).text.endswith("No payments yet.")
    # Anna's own confirmation still works.
    await shop.coach.press("✅ Refund")
    await cleo.next_bot_message()
    assert len(shop.stripe.calls("POST", "/v1/refunds")) == 1
    assert await count(shop, PaymentRow, refunded_amount=4990) == 1


async def test_a_one_off_package_bought_without_a_trial_and_a_trial_subscription(shop: Shop):
    cleo = await joined_client(shop)
    saved = await create_package(
        shop,
        name="Assessment",
        price="5000",
        interval="One-off",
        currency="JPY",
        refused={"100000000": "Please send a price above zero and at most ¥99,999,999."},
    )
    assert "Assessment\n¥5,000 once" in saved.text
    await send_package(shop, "Assessment · ¥5,000 once")
    await cleo.next_bot_message()
    session_id = await open_checkout(cleo, "💳 Pay ¥5,000")
    await shop.stripe.complete_checkout(session_id)
    receipt = await cleo.next_bot_message()
    assert receipt.text == "✅ Payment received: ¥5,000 for Assessment. Thank you!"
    assert (await shop.coach.next_bot_message()).text == "💶 Cleo Park paid ¥5,000 for Assessment."
    # A paid offer cannot be paid twice.
    answer = await cleo.callback_answer(await cleo.press("💳 Pay ¥5,000"))
    assert answer.text == "This is paid already. Thank you!"

    await create_package(shop, name="Premium", price="99", interval="Monthly", trial="14 days")
    await send_package(shop, "Premium · €99.00 per month")
    offer = await cleo.next_bot_message()
    assert offer.text.endswith("14-day free trial")
    session_id = await open_checkout(cleo, "💳 Start the trial")
    await shop.stripe.complete_checkout(session_id)
    started = await cleo.next_bot_message()
    assert started.text == (
        "🎉 Your free trial of Premium has started.\n"
        "The first payment of €99.00 is due on Mar 16, 2026."
    )
    assert (await shop.coach.next_bot_message()).text == (
        "🎉 Cleo Park started a free trial of Premium."
    )
    assert await count(shop, PaymentRow) == 1  # the trial's zero invoice is no payment
    shop.harness.clock.advance(days=14)
    sub_id = shop.stripe.of_type("subscription")[0]["id"]
    await shop.stripe.renew_subscription(sub_id)
    assert (await cleo.next_bot_message()).text.startswith(
        "✅ Payment received: €99.00 for Premium."
    )
    shop.stripe.assert_no_rejections()


async def test_the_coach_pauses_changes_and_cancels_a_subscription(shop: Shop):
    cleo = await subscribe(shop)
    await cleo.next_bot_message()
    await shop.coach.bot_messages_until_idle()
    await create_package(shop, name="Weekly check", price="15", interval="Weekly")
    await open_client_billing(shop)
    await shop.coach.press("⏸ Pause payments")
    card = await shop.coach.next_bot_message()
    assert "Status: active, collection paused" in card.text
    await shop.coach.press("▶️ Resume payments")
    card = await shop.coach.next_bot_message()
    assert "Status: active\n" in card.text
    await shop.coach.press("🛑 Cancel at period end")
    card = await shop.coach.next_bot_message()
    assert "Ends on Apr 2, 2026" in card.text
    await shop.coach.press("↩️ Keep subscription")
    await shop.coach.next_bot_message()
    await shop.coach.press("🔁 Change plan")
    await shop.coach.next_bot_message()
    await shop.coach.press("Weekly check · €15.00 per week")
    card = await shop.coach.next_bot_message()
    assert "Weekly check · €15.00 per week" in card.text
    sub = shop.stripe.of_type("subscription")[0]
    assert sub["items"]["data"][0]["price"]["unit_amount"] == 1500
    await shop.coach.press("❌ Cancel now")
    assert "Cancel the subscription now?" in (await shop.coach.next_bot_message()).text
    await shop.coach.press("❌ Yes, cancel now")
    card = await shop.coach.next_bot_message()
    assert "No subscription." in card.text
    await shop.stripe.deliver_pending()
    ended = await cleo.next_bot_message()
    assert ended.text == "Your plan Weekly check has ended. Thank you for training with us!"
    keys = [
        r.idempotency_key
        for r in shop.stripe.requests
        if "/v1/subscriptions/" in r.path and r.method != "GET"
    ]
    assert keys == [
        f"subscription-{sub['id']}-pause-v1",
        f"subscription-{sub['id']}-resume-v2",
        f"subscription-{sub['id']}-cancel_at_period_end-v3",
        f"subscription-{sub['id']}-keep-v4",
        f"subscription-{sub['id']}-change_price-v5",
        f"subscription-{sub['id']}-cancel_now-v6",
    ]
    shop.stripe.assert_no_rejections()


async def test_billing_says_it_is_not_configured_without_a_key(harness):
    coach = harness.admin
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("💶 Billing")
    reply = await coach.next_bot_message()
    assert reply.text.startswith("Billing is not configured on this bot yet")


async def test_checkout_sessions_are_reused_renewed_after_expiry_and_async_payments_settle(
    shop: Shop,
):
    cleo = await joined_client(shop)
    await create_package(shop, name="Kickstart", price="120", interval="One-off")
    await send_package(shop, "Kickstart · €120.00 once")
    await cleo.next_bot_message()
    first = await open_checkout(cleo, "💳 Pay €120.00")
    assert await open_checkout(cleo, "💳 Pay €120.00") == first  # still open: reused
    await shop.stripe.expire_checkout(first)
    second = await open_checkout(cleo, "💳 Pay €120.00")
    assert second != first
    keys = [r.idempotency_key for r in shop.stripe.calls("POST", "/v1/checkout/sessions")]
    assert keys == ["checkout-1-1", "checkout-1-2"]

    # A bank debit: completed unpaid, then it fails; Cleo tries again with a card.
    await shop.stripe.complete_checkout(second, async_payment=True)
    assert await cleo.bot_messages_until_idle(idle=1) == []
    await shop.stripe.settle_async_payment(second, succeed=False)
    failed = await cleo.next_bot_message()
    assert failed.text.startswith("⚠️ Your payment of €120.00 for Kickstart did not go through.")
    assert (await shop.coach.next_bot_message()).text == (
        "⚠️ A payment of €120.00 from Cleo Park failed (Kickstart)."
    )
    third = await open_checkout(cleo, "💳 Try again")
    await shop.stripe.complete_checkout(third)
    receipt = await cleo.next_bot_message()
    assert receipt.text == "✅ Payment received: €120.00 for Kickstart. Thank you!"
    assert await count(shop, PaymentRow, status="paid") == 1
    assert await count(shop, PaymentRow, status="failed") == 1
    shop.stripe.assert_no_rejections()


async def test_a_new_price_archives_the_old_one_and_its_payment_link(shop: Shop):
    await create_package(shop)
    coach = shop.coach
    await coach.press("🔗 Payment link")
    shared = await coach.next_bot_message()
    link_url = shared.button("🔗 Open").url
    assert link_url.startswith(shop.stripe.url + "/b/plink_")
    await coach.press("💲 Price")
    assert "Send the new price in EUR" in (await coach.next_bot_message()).text
    await coach.send_text("free")
    assert (await coach.next_bot_message()).text == (
        "Please send the price as a number, like 49 or 49.90."
    )
    await coach.send_text("59")
    updated = await coach.next_bot_message()
    assert updated.text == "Package updated ✅\n\nMonthly coaching\n€59.00 per month"
    prices = shop.stripe.of_type("price")
    assert [(p["unit_amount"], p["active"]) for p in prices] == [(4990, False), (5900, True)]
    assert shop.stripe.of_type("payment_link")[0]["active"] is False
    await coach.press("🗄 Archive")
    assert (await coach.next_bot_message()).text.startswith("Archived: Monthly coaching")
    assert all(not p["active"] for p in shop.stripe.of_type("price"))
    assert shop.stripe.of_type("product")[0]["active"] is False
    shop.stripe.assert_no_rejections()


async def test_run_serves_the_stripe_webhook_and_pages_while_polling(
    telegram, stripe_api, tmp_path
):
    """`coachbot run` as a real process with Stripe configured and no Telegram webhook."""
    telegram.reset()
    stripe_api.reset()
    port = free_port()
    process = await start_run(
        telegram,
        tmp_path,
        STRIPE_API_KEY=API_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_api.url,
        WEBHOOK_PORT=str(port),
    )
    base = f"http://127.0.0.1:{port}"
    stripe_api.webhook_url = f"{base}/stripe/webhook"
    stripe_api.clock = time.time
    try:
        sam = telegram.user(802, "Sam")
        await sam.send_text("/start")
        await sam.next_bot_message(timeout=30)  # polling works
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as health:
                assert health.status == 200
            async with http.get(f"{base}/billing/success?lang=de") as page:
                shown = await page.text()
                assert page.status == 200 and "Danke!" in shown
            # Styled as the checkout is, and back to the bot's chat in Telegram.
            assert f"href='https://t.me/{BOT_USERNAME}'" in shown
            assert "href='/static/pages.css'" in shown
            async with http.get(f"{base}/static/pages.css") as css:
                assert css.status == 200 and ".panel" in await css.text()
            async with http.post(f"{base}/telegram/webhook", json={}) as telegram_hook:
                assert telegram_hook.status in (404, 405)
        event = stripe_api.emit("product.created", {"id": "prod_1", "object": "product"})
        assert (await stripe_api.deliver(event, signature=None)).status == 400
        delivered = await stripe_api.deliver(event)
        assert delivered.status == 200 and '"ignored"' in delivered.body
    finally:
        await stop_run(process)


async def test_a_payment_link_purchase_counts_for_the_coach(shop: Shop):
    await create_package(shop, name="Plan review", price="35", interval="One-off")
    await shop.coach.press("🔗 Payment link")
    await shop.coach.next_bot_message()
    link = shop.stripe.of_type("payment_link")[0]
    assert "_price" not in shop.stripe.calls("POST", "/v1/payment_links")[0].params
    await shop.stripe.pay_payment_link(link["id"], email="dana@example.org")
    told = await shop.coach.next_bot_message()
    assert told.text == "💶 dana@example.org paid €35.00 for Plan review."
    revenue = await open_billing_menu(shop.coach, "💶 Revenue")
    assert revenue.text == ("Revenue (paid minus refunds): €35.00\n• Payment link buyers: €35.00")
    shop.stripe.assert_no_rejections()


async def give_client_email(shop: Shop, email: str) -> None:
    async with SqlUnitOfWork(shop.harness.app.session_factory) as uow:
        (client,) = await uow.clients.list_for_coach(1)
        client.email = email
        await uow.clients.update(client)
        await uow.commit()


async def test_a_payment_link_subscriber_is_linked_to_the_client_with_that_email(shop: Shop):
    cleo = await joined_client(shop)
    await give_client_email(shop, "cleo@example.org")
    await create_package(shop)
    await shop.coach.press("🔗 Payment link")
    await shop.coach.next_bot_message()
    link = shop.stripe.of_type("payment_link")[0]

    # Stripe may name the customer in other letters than the coach typed.
    await shop.stripe.pay_payment_link(link["id"], email="Cleo@Example.org")
    receipt = await cleo.next_bot_message()
    assert receipt.text.startswith("✅ Payment received: €49.90 for Monthly coaching.")
    told = await shop.coach.next_bot_message()
    assert told.text == "💶 Cleo Park paid €49.90 for Monthly coaching."
    await cleo.send_text("/billing")
    plan = await cleo.next_bot_message()
    assert plan.text.startswith("Your plan with Anna Admin\nMonthly coaching · €49.90 per month")
    revenue = await open_billing_menu(shop.coach, "💶 Revenue")
    assert revenue.text == "Revenue (paid minus refunds): €49.90\n• Cleo Park: €49.90"
    looked_up = shop.stripe.calls("GET", "/v1/subscriptions/")
    assert looked_up and all(call.params.get("expand") == ["customer"] for call in looked_up)
    shop.stripe.assert_no_rejections()


async def test_a_payment_link_subscriber_who_is_no_client_is_told_to_the_coach_once(shop: Shop):
    await create_package(shop)
    await shop.coach.press("🔗 Payment link")
    await shop.coach.next_bot_message()
    link = shop.stripe.of_type("payment_link")[0]

    await shop.stripe.pay_payment_link(link["id"], email="stranger@example.org")
    told = await shop.coach.next_bot_message()
    assert told.text == (
        "🔗 stranger@example.org subscribed to Monthly coaching through your payment link, "
        "but none of your clients has that e-mail. Add them as a client with this e-mail: "
        "the plan is linked to them with Stripe's next update of it, at the latest its "
        "next payment."
    )
    # Every event about the subscription (created, invoice paid, checkout completed)
    # looked for the client; the coach heard of it once.
    assert await shop.coach.bot_messages_until_idle() == []
    async with SqlUnitOfWork(shop.harness.app.session_factory) as uow:
        assert (
            await uow.billing.subscription_by_stripe_id(
                shop.stripe.of_type("subscription")[0]["id"]
            )
            is None
        )
    shop.stripe.assert_no_rejections()


async def test_a_price_with_thousands_and_a_decimal_comma_is_taken(shop: Shop):
    await joined_client(shop)
    saved = await create_package(
        shop,
        name="Year of coaching",
        price="1.234,50",
        interval="One-off",
        refused={"12.34.5": "Please send the price as a number, like 49 or 49.90."},
    )
    assert "Year of coaching\n€1,234.50 once" in saved.text
