"""Without Redis, a conversation survives the bot restarting: a typed answer or a button
pressed afterwards continues exactly where the person was. Where the state is truly gone,
the bot picks up the open onboarding or check-in instead of not understanding, and an old
button says what to do next."""

from __future__ import annotations

from coachbot.sandbox.telegram_server import FakeUser
from tests.e2e.checkin_helpers import (
    move_clock_to,
    onboarded_client,
    run_checkin_ticks,
    schedule_weekly,
)
from tests.e2e.conftest import Harness
from tests.e2e.test_checkins import FIRST_DUE
from tests.e2e.test_client_onboarding import add_client, answer

NOT_UNDERSTOOD = "Sorry, I did not understand that. Send /help to see what I can do."


async def joined(harness: Harness, telegram_id: int = 4002) -> FakeUser:
    """A new client who opened their link and sees the consent question."""
    token = await add_client(harness)
    cleo = harness.user(telegram_id, "Cleo")
    await cleo.send_text(f"/start {token}")
    await cleo.next_bot_message()
    consent = await cleo.next_bot_message()
    assert consent.text.startswith("Your privacy")
    return cleo


async def checkin_started(harness: Harness) -> FakeUser:
    """An onboarded client at the first question of their open check-in."""
    cleo = await onboarded_client(harness)
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    await cleo.next_bot_message()
    first = await answer(cleo, press="▶️ Start check-in")
    assert "What did you weigh this morning?" in first.text
    return cleo


async def test_onboarding_continues_where_it_was_after_each_restart(harness: Harness):
    cleo = await joined(harness)
    await harness.restart()
    name = await answer(cleo, press="✅ I agree")
    assert "What should your coach call you?" in name.text
    await harness.restart()
    assert "When were you born?" in (await answer(cleo, text="Cleo")).text
    await harness.restart()
    sex = await answer(cleo, text="14.02.1991")
    assert sex.buttons[:2] == [["Female"], ["Male"]]
    await harness.restart()
    units = await answer(cleo, press="Female")
    assert ["Kilograms and centimetres"] in units.buttons


async def test_a_checkin_continues_where_it_was_after_each_restart(harness: Harness):
    cleo = await checkin_started(harness)
    await harness.restart()
    assert "waist" in (await answer(cleo, text="72")).text
    await harness.restart()
    energy = await answer(cleo, text="81")
    assert energy.buttons[:1] == [["1", "2", "3", "4", "5"]]
    await harness.restart()
    assert "hours did you sleep" in (await answer(cleo, press="7")).text


async def test_without_its_state_a_typed_answer_picks_onboarding_up_again(harness: Harness):
    cleo = await joined(harness)
    await answer(cleo, press="✅ I agree")
    await answer(cleo, text="Cleo")
    await harness.forget_conversations()
    await cleo.send_text("14.02.1991")
    resumed = await cleo.next_bot_message()
    assert resumed.text == "Welcome back, Cleo! Let us continue."
    asked = await cleo.next_bot_message()
    assert "When were you born?" in asked.text and "question 2" in asked.text
    assert "Your sex" in (await answer(cleo, text="14.02.1991")).text


async def test_without_its_state_a_typed_answer_picks_the_checkin_up_again(harness: Harness):
    cleo = await checkin_started(harness)
    await answer(cleo, text="72")
    await harness.forget_conversations()
    await cleo.send_text("81")
    assert (await cleo.next_bot_message()).text == "Let us continue your check-in."
    asked = await cleo.next_bot_message()
    assert "waist" in asked.text and "question 2" in asked.text
    energy = await answer(cleo, text="81")
    assert energy.buttons[:1] == [["1", "2", "3", "4", "5"]]


async def test_an_old_button_says_how_to_go_on(harness: Harness):
    cleo = await checkin_started(harness)
    await answer(cleo, text="72")
    energy = await answer(cleo, text="81")
    await harness.forget_conversations()
    query = await cleo.press("7", message_id=energy.message_id)
    told = await cleo.callback_answer(query)
    assert told.text == (
        "This button is no longer active. Send /checkin to continue your check-in."
    )
    resumed = await answer(cleo, text="/checkin")
    assert resumed.message_id != energy.message_id and resumed.buttons[:1] == [
        ["1", "2", "3", "4", "5"]
    ]
    # In the check-in again, a button of another form says to answer the question.
    query = await cleo.press_data(resumed.message_id, "f:999999:p:7")
    told = await cleo.callback_answer(query)
    assert told.text == (
        "This button is no longer active. "
        "Please answer the question above, or send /cancel to stop."
    )


async def test_an_old_onboarding_button_says_to_send_start(harness: Harness):
    cleo = await joined(harness)
    await answer(cleo, press="✅ I agree")
    await answer(cleo, text="Cleo")
    sex_question = await answer(cleo, text="14.02.1991")
    await harness.forget_conversations()
    query = await cleo.press("Female", message_id=sex_question.message_id)
    told = await cleo.callback_answer(query)
    assert told.text == "This button is no longer active. Send /start to continue setting up."
    await cleo.send_text("/start")
    assert (await cleo.next_bot_message()).text == "Welcome back, Cleo! Let us continue."
    assert "Your sex" in (await cleo.next_bot_message()).text


async def test_someone_with_nothing_open_is_still_not_understood(harness: Harness):
    cleo = await onboarded_client(harness)
    assert (await answer(cleo, text="hello?")).text == NOT_UNDERSTOOD
