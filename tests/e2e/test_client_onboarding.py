"""A coach adds a client, the client joins by the link, consents, fills in the initial
assessment (with wrong answers re-asked, Back, ticks), and the coach is told."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.tables import ClientRow, ConsentRow, FormResponseRow, GoalRow, UserRow
from tests.e2e.conftest import BOT_USERNAME, Harness

LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


async def add_client(harness: Harness, name: str = "Cleo Park") -> str:
    coach = harness.admin
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("➕ Add client")
    assert (await coach.next_bot_message()).text == "What is your new client's name?"
    await coach.send_text(name)
    assert (await coach.next_bot_message()).text == "Their email address? (optional)"
    await coach.send_text("cleo at example")
    assert (await coach.next_bot_message()).text.startswith("That does not look like an email")
    await coach.send_text("cleo@example.org")
    assert (await coach.next_bot_message()).text.startswith("Their phone number")
    await coach.press("Skip")
    assert (await coach.next_bot_message()).text.startswith("Any notes")
    await coach.send_text("Knee surgery in 2024")
    assert (await coach.next_bot_message()).text.startswith("Tags")
    await coach.send_text("online, #spring")
    message = await coach.next_bot_message()
    assert message.text.startswith(f"{name} is added. Send them this link to join:")
    assert message.buttons == [["Revoke", "New link"]]
    return LINK.search(message.text).group(1)


async def answer(user: FakeUser, *, text: str | None = None, press: str | None = None):
    if text is not None:
        await user.send_text(text)
    else:
        await user.press(press)
    return await user.next_bot_message()


async def fill_profile(user: FakeUser, *, units: str = "Kilograms and centimetres") -> None:
    """The profile questions, with a wrong answer for each kind that can be wrong."""
    name = await answer(user, press="✅ I agree")
    assert "What should your coach call you?" in name.text and "question 1" in name.text
    birthday = await answer(user, text="Cleo")
    assert "When were you born?" in birthday.text
    future = await answer(user, text="01.01.2099")
    assert future.text == "That date is in the future. Please check it."
    await user.next_bot_message()  # asked again
    sex = await answer(user, text="14.02.1991")
    assert sex.buttons[:4] == [["Female"], ["Male"], ["Other"], ["Prefer not to say"]]
    await answer(user, press="Female")
    height = await answer(user, press=units)
    assert "How tall are you?" in height.text
    if units.startswith("Pounds"):  # the units just chosen, not those of the profile
        assert "Send the number in inches, for example 67 in (or" in height.text
    else:
        assert "Send the number in cm, for example 170 cm (or with" in height.text
    letters = await answer(user, text="tall")
    assert letters.text == "Please send a number, like 72.5."
    await user.next_bot_message()
    timezone = await answer(user, text="5'7\"" if units.startswith("Pounds") else "170")
    assert timezone.text.count("city") == 1
    assert ["London"] in timezone.buttons
    unknown = await answer(user, text="Atlantis")
    assert unknown.text.startswith("I do not know that time zone")
    await user.next_bot_message()
    await user.send_location(38.72, -9.14)  # Lisbon
    language = await user.next_bot_message()
    assert "Which language should I speak?" in language.text
    await answer(user, press="⬅ Back")
    language = await answer(user, text="Berlin")
    assert language.buttons[:2] == [["English"], ["Deutsch"]]
    thanks = await answer(user, press="English")
    assert thanks.text == "Thanks, Cleo! Now a few questions about where you stand today."


async def test_a_client_is_added_joins_consents_and_completes_the_assessment(harness: Harness):
    token = await add_client(harness)
    cleo = harness.user(4001, "Cleo", last_name="Park")
    await cleo.send_text(f"/start {token}")
    welcome = await cleo.next_bot_message()
    assert welcome.text.startswith("Welcome, Cleo! Anna Admin invited you")
    consent = await cleo.next_bot_message()
    assert consent.text.startswith("Your privacy") and consent.buttons[0] == ["✅ I agree"]
    joined = await harness.admin.next_bot_message()
    assert joined.text == "Cleo Park opened your invitation and is setting up their profile."

    await fill_profile(cleo)
    first = await cleo.next_bot_message()
    assert "What is your current weight?" in first.text and "question 1" in first.text
    refused = await answer(cleo, text="heavy")
    assert refused.text == "Please send a number, like 72.5."
    assert "What is your current weight?" in (await cleo.next_bot_message()).text
    waist = await answer(cleo, text="72,5 kg")
    assert "waist" in waist.text and waist.buttons == [["⬅ Back", "Skip"]]
    back = await answer(cleo, press="⬅ Back")
    assert "weight" in back.text
    await answer(cleo, text="73")
    body_fat = await answer(cleo, press="Skip")
    assert "body fat" in body_fat.text
    activity = await answer(cleo, press="Skip")
    assert activity.buttons[0] == ["Mostly sitting"]
    await answer(cleo, press="Lightly active")
    too_many = await answer(cleo, text="9")
    assert too_many.text.startswith("That is above the highest value")
    await cleo.next_bot_message()
    await answer(cleo, text="3")
    stress = await answer(cleo, text="7,5")
    assert stress.buttons[:2] == [["1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]
    focus = await answer(cleo, press="6")
    assert "What do you want to work on?\n" in focus.text  # the hint says how, once
    assert focus.text.count("then Done") == 1
    await cleo.press("Lose fat", message_id=focus.message_id)
    await cleo.press("Sleep better", message_id=focus.message_id)
    ticked = await cleo.wait_for(
        lambda chat: ["✅ Sleep better"] in chat.get(focus.message_id).buttons
    )
    assert ["✅ Lose fat"] in ticked.get(focus.message_id).buttons
    injuries = await answer(cleo, press="Done")
    assert injuries.buttons[0] == ["Yes", "No"]
    details = await answer(cleo, press="Yes")
    assert "describe" in details.text
    await answer(cleo, text="Left knee")
    notes = await answer(cleo, press="9")
    health = await answer(cleo, press="Skip")
    assert notes.text and "Health screen (PAR-Q)" in health.text
    for _ in range(3):
        await answer(cleo, press="No")
    details = await answer(cleo, press="Yes")  # another chronic condition
    assert "Which condition?" in details.text
    await answer(cleo, text="Asthma")
    await answer(cleo, press="No")
    await answer(cleo, press="No")
    goal = await answer(cleo, press="No")
    assert "What is your first goal about?" in goal.text
    target = await answer(cleo, press="Body weight")
    assert "What weight do you want to reach?" in target.text
    deadline = await answer(cleo, text="65")
    assert "By when" in deadline.text
    past = await answer(cleo, text="2020-01-01")
    assert past.text == "That date is in the past. Please check it."
    await cleo.next_bot_message()
    reminders = await answer(cleo, text="15.9.2026")
    assert reminders.text.count("08:00") == 1
    assert "At what time of day should reminders come?" in reminders.text
    nonsense = await answer(cleo, text="25:99")
    assert nonsense.text.startswith("Please send a time")
    await cleo.next_bot_message()
    await answer(cleo, text="7pm")
    await answer(cleo, press="Skip")
    done = await answer(cleo, text="6:30")
    assert done.text.startswith("All set, Cleo! Your answers are with Anna Admin")
    assert done.text.endswith(
        "Reminders come at 19:00 (Europe/Berlin); I stay quiet from 22:00 to 06:30.\n"
        "Change any of this with /profile."
    )
    commands = [c["command"] for c in harness.telegram.commands_for(cleo.id)]
    assert commands[-8:] == [
        "checkin",
        "log",
        "progress",
        "goals",
        "achievements",
        "report",
        "export",
        "billing",
    ]
    told = await harness.admin.next_bot_message()
    assert told.text == (
        "Cleo Park finished onboarding, including the initial assessment.\n\n"
        "⚠️ They answered yes to 1 health screen question: check whether they need medical "
        "clearance before training."
    )
    await harness.admin.send_text("/clients")
    await harness.admin.next_bot_message()
    await harness.admin.press("Cleo Park · Active")
    card = await harness.admin.next_bot_message()
    assert "Telegram: Cleo Park\nborn Feb 14, 1991 · 170 cm · Europe/Berlin" in card.text
    assert "Last answer" in card.text

    async with harness.app.session_factory() as session:
        client = await session.scalar(select(ClientRow))
        consent_row = await session.scalar(select(ConsentRow))
        response = await session.scalar(select(FormResponseRow))
    assert (client.status, client.email, client.tags) == (
        "active",
        "cleo@example.org",
        ["online", "spring"],
    )
    assert (consent_row.document, consent_row.version) == ("privacy", "2026-11-25")
    async with harness.app.session_factory() as session:
        documents = (await session.scalars(select(ConsentRow.document))).all()
    assert sorted(documents) == ["privacy", "terms"]
    assert response.status == "completed"  # the profile form, completed first
    async with harness.app.session_factory() as session:
        assessment = await session.scalar(
            select(FormResponseRow).where(FormResponseRow.purpose == "onboarding:assessment")
        )
        user = await session.scalar(select(UserRow).where(UserRow.telegram_id == 4001))
    assert (user.preferred_name, user.sex, user.height_cm, user.timezone, user.language) == (
        "Cleo",
        "female",
        170.0,
        "Europe/Berlin",
        "en",
    )
    assert str(user.date_of_birth) == "1991-02-14"
    assert (user.reminder_time, user.quiet_start, user.quiet_end) == ("19:00", "22:00", "06:30")
    async with harness.app.session_factory() as session:
        goal_row = await session.scalar(select(GoalRow))
    assert (goal_row.category, goal_row.metric, goal_row.target_value) == ("weight", "weight", 65.0)
    assert str(goal_row.target_date) == "2026-09-15"
    assert assessment.status == "completed"
    response = assessment
    assert response.progress["answers"]["weight"] == 73.0
    assert response.progress["answers"]["focus"] == ["fat_loss", "sleep"]


async def test_onboarding_resumes_at_the_same_question_after_a_restart(harness: Harness):
    token = await add_client(harness)
    cleo = harness.user(4002, "Cleo")
    await cleo.send_text(f"/start {token}")
    await cleo.next_bot_message()
    await cleo.next_bot_message()
    await answer(cleo, press="✅ I agree")
    await answer(cleo, text="Cleo")

    # The bot restarts and the conversation state is gone (cleared, or from before it
    # was kept): /start still resumes from what is stored.
    await harness.restart()
    await harness.forget_conversations()

    await cleo.send_text("/start")
    assert (await cleo.next_bot_message()).text == "Welcome back, Cleo! Let us continue."
    resumed = await cleo.next_bot_message()
    assert "When were you born?" in resumed.text and "question 2" in resumed.text
    assert "Your sex" in (await answer(cleo, text="1990-05-01")).text


async def test_declining_consent_stores_nothing_more(harness: Harness):
    token = await add_client(harness)
    cleo = harness.user(4003, "Cleo")
    await cleo.send_text(f"/start {token}")
    await cleo.next_bot_message()
    await cleo.next_bot_message()
    reply = await answer(cleo, press="I do not agree")
    assert reply.text.startswith("Understood: nothing more is stored")
    async with harness.app.session_factory() as session:
        assert await session.scalar(select(ConsentRow)) is None
        assert await session.scalar(select(FormResponseRow)) is None


async def test_another_coach_cannot_touch_this_clients_link(harness: Harness):
    token = await add_client(harness)
    async with harness.app.session_factory() as session:
        client_id = await session.scalar(select(ClientRow.id))
    otto_link = re.compile(r"start=([A-Za-z0-9_-]+)")
    await harness.admin.send_text("/invite_coach")
    await harness.admin.next_bot_message()
    await harness.admin.send_text("Otto")
    await harness.admin.next_bot_message()
    await harness.admin.press("7 days")
    chat = await harness.admin.wait_for(
        lambda chat: "Invitation for Otto" in chat.last_bot_message.text
    )
    otto = harness.user(4100, "Otto")
    await otto.send_text(f"/start {otto_link.search(chat.last_bot_message.text).group(1)}")
    menu = await otto.next_bot_message()
    query = await otto.press_data(menu.message_id, f"cl:nw:{client_id}")  # forged
    answer_ = await otto.callback_answer(query)
    assert answer_.text == "That client was not found."
    cleo = harness.user(4004, "Cleo")
    await cleo.send_text(f"/start {token}")
    assert (await cleo.next_bot_message()).text.startswith("Welcome, Cleo!")


async def test_a_revoked_or_replaced_client_link_is_refused(harness: Harness):
    token = await add_client(harness)
    await harness.admin.press("New link")
    chat = await harness.admin.wait_for(
        lambda chat: (
            LINK.search(chat.last_bot_message.text) and token not in chat.last_bot_message.text
        )
    )
    new_token = LINK.search(chat.last_bot_message.text).group(1)
    cleo = harness.user(4005, "Cleo")
    await cleo.send_text(f"/start {token}")
    assert (await cleo.next_bot_message()).text.startswith("This invitation link was withdrawn")
    await harness.admin.press("Revoke")
    await harness.admin.wait_for(
        lambda chat: chat.last_bot_message.text == "This invitation link was revoked."
    )
    await cleo.send_text(f"/start {new_token}")
    assert (await cleo.next_bot_message()).text.startswith("This invitation link was withdrawn")


async def test_a_german_speaking_client_is_onboarded_in_german(harness: Harness):
    token = await add_client(harness, name="Greta Berg")
    greta = harness.user(4300, "Greta", language_code="de")
    await greta.send_text(f"/start {token}")
    welcome = await greta.next_bot_message()
    assert welcome.text.startswith("Willkommen, Greta! Anna Admin hat dich eingeladen")
    consent = await greta.next_bot_message()
    assert consent.text.startswith("Deine Privatsphäre")
    assert consent.buttons == [["✅ Ich stimme zu"], ["Ich stimme nicht zu"]]
    first = await answer(greta, press="✅ Ich stimme zu")
    assert "Wie soll dein Coach dich nennen?" in first.text and "Frage 1" in first.text
    await answer(greta, text="Greta")
    refused = await answer(greta, text="01.01.2099")
    assert refused.text == "Dieses Datum liegt in der Zukunft. Bitte prüfe es."
    await greta.send_text("/privacy")
    assert "Wann bist du geboren?" in (await greta.next_bot_message()).text  # re-asked
    policy = await greta.next_bot_message()
    assert policy.text.startswith("Coachbot-Datenschutzerklärung")


async def test_a_used_or_expired_client_link_is_refused(harness: Harness):
    token = await add_client(harness)
    cleo = harness.user(4600, "Cleo")
    await cleo.send_text(f"/start {token}")
    await cleo.next_bot_message()
    await cleo.next_bot_message()
    eve = harness.user(4601, "Eve")
    await eve.send_text(f"/start {token}")
    assert (await eve.next_bot_message()).text.startswith("This invitation link has already")
    assert "opened your invitation" in (await harness.admin.next_bot_message()).text
    late = await add_client(harness, name="Late Larry")
    harness.clock.advance(days=8)
    larry = harness.user(4602, "Larry")
    await larry.send_text(f"/start {late}")
    assert (await larry.next_bot_message()).text.startswith("This invitation link has expired")


@pytest.mark.settings(invitation_ttl_days=2)
async def test_client_links_live_as_long_as_configured(harness: Harness):
    token = await add_client(harness)
    harness.clock.advance(days=2, minutes=1)
    late = harness.user(4700, "Late")
    await late.send_text(f"/start {token}")
    assert (await late.next_bot_message()).text.startswith("This invitation link has expired")


async def test_a_date_whose_day_and_month_could_be_swapped_is_echoed_before_it_is_stored(
    harness: Harness,
):
    token = await add_client(harness)
    cleo = harness.user(4003, "Cleo")
    await cleo.send_text(f"/start {token}")
    await cleo.next_bot_message()
    await cleo.next_bot_message()
    await answer(cleo, press="✅ I agree")
    birthday = await answer(cleo, text="Cleo")
    assert "for example 31.12.1990" in birthday.text
    nonsense = await answer(cleo, text="7pm")
    assert nonsense.text == "Please send a whole date, like 31.12.1990."
    await cleo.next_bot_message()  # asked again
    echo = await answer(cleo, text="1.5.1990")
    assert echo.text == "May 1, 1990 — right?" and echo.buttons == [["Yes", "No"]]
    again = await answer(cleo, press="No")
    assert again.text == "Then please send the date as year-month-day, for example 1990-01-05."
    echo = await answer(cleo, text="5/1/1990")
    assert echo.text == "January 5, 1990 — right?"
    sex = await answer(cleo, press="Yes")
    assert "Your sex" in sex.text
    async with harness.app.session_factory() as session:
        birth = await session.scalar(
            select(FormResponseRow.progress).where(FormResponseRow.purpose == "onboarding:profile")
        )
    assert birth["answers"]["date_of_birth"] == "1990-01-05"


async def test_each_measurement_question_names_its_own_unit_and_an_example_of_it(
    harness: Harness,
):
    token = await add_client(harness)
    sam = harness.user(4004, "Sam")
    await sam.send_text(f"/start {token}")
    await sam.next_bot_message()
    await sam.next_bot_message()
    await fill_profile(sam, units="Pounds and inches")
    weight = await sam.next_bot_message()
    assert "Send the number in lb, for example 160 lb (or with another unit, like 72.5 kg)." in (
        weight.text
    )
    waist = await answer(sam, text="160")
    assert "Send the number in inches, for example 31.5 in (or with" in waist.text
    assert "like 80.5 cm)." in waist.text
    body_fat = await answer(sam, press="Skip")
    assert "Send the number in %, for example 22.5 %." in body_fat.text
    assert "kg" not in body_fat.text and "lb" not in body_fat.text
