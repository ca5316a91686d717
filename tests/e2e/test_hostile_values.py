"""Values people type (names, tags) that look like HTML reach the screen as typed: the
card, the check-in's closing message and the client's plan stay sendable (Telegram refuses
a whole message with ``can't parse entities`` when one value is unescaped)."""

from __future__ import annotations

from tests.e2e.billing_helpers import (  # noqa: F401  (fixtures)
    Shop,
    shop_fixture,
    stripe_api_fixture,
)
from tests.e2e.checkin_helpers import (
    move_clock_to,
    onboarded_client,
    run_checkin_ticks,
    schedule_weekly,
)
from tests.e2e.conftest import Harness
from tests.e2e.test_billing import subscribe
from tests.e2e.test_checkins import FIRST_DUE, answer_checkin

NAME = "<u>Me & you</u>"


async def test_a_client_with_markup_in_name_and_tags_has_a_card_and_a_tags_button(
    harness: Harness,
):
    coach = harness.admin
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("➕ Add client")
    await coach.next_bot_message()
    await coach.send_text(NAME)
    await coach.next_bot_message()
    await coach.press("Skip")
    await coach.next_bot_message()
    await coach.press("Skip")
    await coach.next_bot_message()
    await coach.send_text('Says "hi" & <i>waves</i>')
    await coach.next_bot_message()
    await coach.send_text("<b>, r&d")
    added = await coach.next_bot_message()
    assert added.text.startswith(f"{NAME} is added. Send them this link to join:")

    await coach.send_text("/clients")
    await coach.next_bot_message()
    await coach.press(f"{NAME} · Invited")
    card = await coach.next_bot_message()
    assert card.text.startswith(f"{NAME} · Invited\n")
    assert "Tags: #<b> #r&d" in card.text
    assert 'Notes: Says "hi" & <i>waves</i>' in card.text
    await coach.press("🏷 Tags")
    await coach.next_bot_message()
    await coach.send_text("a<b, c>d")
    assert "Tags: #a<b #c>d" in (await coach.next_bot_message()).text


async def test_a_client_with_markup_in_their_name_is_thanked_for_the_checkin(
    harness: Harness,
):
    client = await onboarded_client(harness, name=NAME)
    await schedule_weekly(harness, f"{NAME} Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    ready = await client.next_bot_message()
    assert ready.text.startswith(f"Hi {NAME}, your check-in is ready.")
    done = await answer_checkin(client, weight="72", waist="81", album="a1")
    assert done.startswith(f"Thank you, {NAME}! Your check-in is with your coach.")
    told = await harness.admin.next_bot_message()
    assert told.text.startswith(f"📥 {NAME} Park sent their check-in.")


async def test_my_plan_opens_for_a_paying_client(shop: Shop):
    cleo = await subscribe(shop)
    receipt = await cleo.next_bot_message()
    assert receipt.buttons[-1] == ["💳 My plan"]
    await cleo.press("💳 My plan")
    plan = await cleo.next_bot_message()
    assert plan.text.startswith(
        "Your plan with Anna Admin\nMonthly coaching · €49.90 per month\nStatus: active\n"
        "Next payment: Apr 2, 2026"
    )
    assert plan.buttons[-1] == ["💳 Change card or cancel"]
