"""A client who cancels in Stripe's portal: their coach is told at once (not only when
the plan ends), and until it ends the client's plan offers to renew it."""

from __future__ import annotations

from tests.e2e.billing_helpers import (  # noqa: F401  (fixtures)
    Shop,
    open_client_billing,
    shop_fixture,
    stripe_api_fixture,
)
from tests.e2e.test_billing import subscribe


async def test_a_cancellation_in_the_portal_is_told_and_the_client_can_renew(shop: Shop):
    cleo = await subscribe(shop)
    assert (await cleo.next_bot_message()).text.startswith("✅ Payment received")
    coach = shop.coach
    await coach.bot_messages_until_idle()
    sub = shop.stripe.of_type("subscription")[0]

    await shop.stripe.set_cancel_at_period_end(sub["id"], True)  # in the portal
    told = await coach.next_bot_message()
    assert told.text == (
        "🛑 Cleo Park cancelled Monthly coaching: it ends on Apr 2, 2026, with no further payments."
    )
    assert told.buttons == [["Open client"]]

    await cleo.send_text("/billing")
    plan = await cleo.next_bot_message()
    assert "Ends on Apr 2, 2026; no further payments." in plan.text
    assert plan.buttons == [["🔄 Renew"]]
    await cleo.press("🔄 Renew")
    renewed = await cleo.next_bot_message()
    assert renewed.text.startswith("Your plan with Anna Admin\nMonthly coaching")
    assert "Next payment: Apr 2, 2026" in renewed.text
    assert renewed.buttons == [["💳 Change card or cancel"]]
    assert shop.stripe.get(sub["id"])["cancel_at_period_end"] is False
    back = await coach.next_bot_message()
    assert back.text == "↩️ Cleo Park renewed Monthly coaching: it continues."
    await shop.stripe.deliver_pending()  # the renewal's own event: nothing new to tell
    assert await coach.bot_messages_until_idle() == []
    shop.stripe.assert_no_rejections()


async def test_the_coachs_own_cancellation_is_no_news_to_them(shop: Shop):
    cleo = await subscribe(shop)
    await cleo.next_bot_message()  # the receipt
    coach = shop.coach
    await coach.bot_messages_until_idle()
    await open_client_billing(shop)
    await coach.press("🛑 Cancel at period end")
    assert "Ends on Apr 2, 2026" in (await coach.next_bot_message()).text
    await shop.stripe.deliver_pending()
    await coach.press("↩️ Keep subscription")
    await coach.next_bot_message()
    await shop.stripe.deliver_pending()
    assert await coach.bot_messages_until_idle() == []
