"""Reminders inside quiet hours would only come when the quiet hours end: the person is
told when they choose such a time, at onboarding and in /profile."""

from __future__ import annotations

from datetime import UTC, datetime

from coachbot.sandbox_app.actions import sandbox_actions
from tests.e2e.checkin_helpers import move_clock_to, onboarded_client, schedule_weekly
from tests.e2e.conftest import Harness
from tests.e2e.onboarding_helpers import onboard_through_forms

WARNING = (
    "⚠️ 07:30 is within your quiet hours (22:00–08:00): reminders would wait until 08:00. "
    "Choose another time or quiet hours with /profile."
)


async def test_onboarding_warns_when_reminders_fall_in_quiet_hours(harness: Harness):
    cleo = await onboard_through_forms(harness, reminder="07:30", quiet_end="08:00")
    done = next(m for m in cleo.chat.bot_messages if m.text.startswith("All set, Cleo!"))
    assert done.text.endswith(
        "Reminders come at 07:30 (Europe/Berlin); I stay quiet from 22:00 to 08:00.\n" + WARNING
    )


async def test_onboarding_outside_quiet_hours_has_no_warning(harness: Harness):
    cleo = await onboard_through_forms(harness, reminder="19:00", quiet_end="06:30")
    done = next(m for m in cleo.chat.bot_messages if m.text.startswith("All set, Cleo!"))
    assert done.text.endswith("Change any of this with /profile.")


async def test_profile_warns_when_a_change_puts_reminders_in_quiet_hours(harness: Harness):
    sam = harness.user(5001, "Sam")
    await sam.send_text("/profile")
    await sam.next_bot_message()
    await sam.press("Quiet until")  # 22:00-07:00 by default, reminders at 08:00
    await sam.next_bot_message()
    await sam.send_text("8:00")
    fine = await sam.next_bot_message()
    assert fine.text.startswith("Saved.\n\n")
    await sam.press("Reminders at", message_id=fine.message_id)
    await sam.next_bot_message()
    await sam.send_text("7:30")
    warned = await sam.next_bot_message()
    assert warned.text.startswith("Saved. " + WARNING + "\n\n")


async def test_the_sandboxs_check_in_due_now_says_it_waits_for_quiet_hours(harness: Harness):
    cleo = await onboarded_client(harness)  # Berlin, quiet from 22:00 to 07:00
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    due_now = next(a for a in sandbox_actions(harness.app, None) if a.key == "checkin-now")
    move_clock_to(harness, datetime(2026, 3, 2, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    said = await due_now.run(cleo.id)
    assert said == (
        "Cleo Park's next check-in is open now, but Cleo Park is in their quiet hours: the "
        "bot's message with it waits until 07:00 (Cleo Park's time). /checkin starts it right "
        "away. The schedule stays as it was."
    )
    assert await cleo.bot_messages_until_idle() == []
    move_clock_to(harness, datetime(2026, 3, 3, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    ready = await cleo.next_bot_message()
    assert ready.text.startswith("Hi Cleo, your check-in is ready.")


async def test_outside_quiet_hours_the_check_in_comes_at_once(harness: Harness):
    cleo = await onboarded_client(harness)
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    due_now = next(a for a in sandbox_actions(harness.app, None) if a.key == "checkin-now")
    said = await due_now.run(cleo.id)  # 10:00 in Berlin
    assert said.startswith("Cleo Park's next check-in is open now. The bot's message")
    assert (await cleo.next_bot_message()).text.startswith("Hi Cleo, your check-in is ready.")
