"""A coach edits their check-in templates in chat (add a measurement question, move it,
make it optional, remove another, create a template by name) and their follow-up rules;
every edit is a new version of the form, and another coach's template is out of reach."""

from __future__ import annotations

from sqlalchemy import select

from coachbot.bot.callbacks import TemplateAction, TemplateCb
from coachbot.sandbox.telegram_models import ChatMessage
from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.tables import CheckinTemplateRow, CoachRow, FormTemplateRow
from tests.e2e.conftest import Harness
from tests.e2e.test_coach_invitations import create_link, open_link

WEEKLY_LINES = [
    "1. What did you weigh this morning? · measurement: Weight",
    "2. Your waist circumference (at the navel)? · measurement: Waist · optional",
    "3. How was your energy this week? (1 = exhausted, 10 = excellent) · scale 1–10",
    "4. How many hours did you sleep on average per night? · number (h)",
    "5. How well did you stick to your plan this week? · one choice of 4",
    "6. Did you do all your planned workouts? · yes/no",
    "7. What went well this week? · text",
    "8. What was hard, or what do you need help with? · text · optional",
    "9. Your progress photos: front, side and back (up to 3, as an album is fine). "
    "· up to 3 photos · optional",
]
HIPS = "Your hips circumference (widest point)?"


async def open_templates(coach: FakeUser) -> ChatMessage:
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("📝 Check-in templates")
    return await coach.next_bot_message()


def question_lines(message: ChatMessage) -> list[str]:
    return [line for line in message.text.splitlines() if line[:1].isdigit() or "👉" in line]


def question_button(message: ChatMessage, number: int) -> str:
    [label] = [b for row in message.buttons for b in row if b.startswith(f"{number}. ")]
    return label


async def press_and_see(coach: FakeUser, label: str, message: ChatMessage, change) -> str:
    """Press a button that edits `message`; wait for `change(message)`; the toast."""
    answer = await coach.callback_answer(await coach.press(label, message_id=message.message_id))
    await coach.wait_for(lambda chat: change(chat.get(message.message_id)))
    return answer.text


async def form_versions(harness: Harness, form_key: str) -> list[dict]:
    async with harness.app.session_factory() as session:
        rows = await session.scalars(
            select(FormTemplateRow)
            .where(FormTemplateRow.key == form_key)
            .order_by(FormTemplateRow.version)
        )
        return [row.content for row in rows]


async def test_a_coach_edits_templates_and_follow_up_rules(harness: Harness):
    coach = harness.admin
    listing = await open_templates(coach)
    assert listing.text == (
        "Your check-in templates\n1. Weekly check-in · 9 questions\n\n"
        "Tap a template to see and change its questions."
    )
    assert listing.buttons == [["Weekly check-in"], ["➕ New template"]]

    await press_and_see(coach, "Weekly check-in", listing, lambda m: "9 questions" in m.text)
    template = listing  # the same message, edited
    assert template.text.startswith("Weekly check-in · 9 questions\n\n")
    assert question_lines(template) == WEEKLY_LINES
    assert template.buttons[-2:] == [["➕ Add question"], ["⬅ Templates"]]
    assert len(template.buttons) == 11

    # Add a measurement question, with a wrong input on the way.
    await coach.press("➕ Add question", message_id=template.message_id)
    kinds = await coach.next_bot_message()
    assert kinds.text == "A new question for Weekly check-in. What kind of question?"
    assert kinds.buttons == [
        ["Text", "Number"],
        ["Scale 1–10", "One choice"],
        ["Several choices", "Yes/No"],
        ["Date", "Photos"],
        ["Measurement"],
        ["Cancel"],
    ]
    await coach.send_text("hips")
    reminder = await coach.next_bot_message()
    assert reminder.text == "Please choose one of the buttons."
    assert reminder.buttons[-2:] == [["Measurement"], ["Cancel"]]
    await coach.press("Measurement")
    ask_prompt = await coach.next_bot_message()
    assert ask_prompt.text.startswith("Send the question as your clients will read it")
    await coach.send_text("x" * 201)
    too_long = await coach.next_bot_message()
    assert too_long.text == "That is too long: a question can be 200 characters at most."
    await coach.send_text(HIPS)
    metrics = await coach.next_bot_message()
    assert metrics.text.startswith("Which measurement? Your client's answer is converted")
    assert metrics.buttons == [
        ["Weight", "Waist", "Hips"],
        ["Chest", "Arm", "Thigh"],
        ["Body fat"],
        ["Cancel"],
    ]
    await coach.press("Hips")
    optional = await coach.next_bot_message()
    assert optional.text == "Can your clients skip this question?"
    assert optional.buttons == [["Yes, optional", "No, required"], ["Cancel"]]
    await coach.press("No, required")
    added = await coach.next_bot_message()
    assert added.text.startswith("Question added ✅\n\nWeekly check-in · 10 questions")
    assert question_lines(added)[-1] == f"10. {HIPS} · measurement: Hips"
    assert question_lines(added)[:-1] == WEEKLY_LINES
    assert coach.chat.get(reminder.message_id).text == "New question: Measurement"
    assert coach.chat.get(metrics.message_id).text == "Measurement: Hips"

    # Move it up, make it optional.
    await press_and_see(coach, question_button(added, 10), added, lambda m: "👉" in m.text)
    assert f"👉 10. {HIPS} · measurement: Hips" in added.text
    assert added.buttons == [
        ["⬆ Up"],
        ["Required → make optional"],
        ["🗑 Remove"],
        ["⬅ Back"],
    ]
    toast = await press_and_see(coach, "⬆ Up", added, lambda m: f"👉 9. {HIPS}" in m.text)
    assert toast == "Now question 9."
    assert question_lines(added)[-1].startswith("10. Your progress photos")
    assert added.buttons[0] == ["⬆ Up", "⬇ Down"]
    toast = await press_and_see(
        coach, "Required → make optional", added, lambda m: "Hips · optional" in m.text
    )
    assert toast == "Now optional."
    assert f"👉 9. {HIPS} · measurement: Hips · optional" in added.text
    assert ["Optional → make required"] in added.buttons

    # Remove another question.
    await press_and_see(coach, "⬅ Back", added, lambda m: "👉" not in m.text)
    await press_and_see(
        coach, question_button(added, 7), added, lambda m: "👉 7. What went well" in m.text
    )
    toast = await press_and_see(coach, "🗑 Remove", added, lambda m: "9 questions" in m.text)
    assert toast == "Question removed."
    lines = question_lines(added)
    assert lines[6] == "7. What was hard, or what do you need help with? · text · optional"
    assert lines[7] == f"8. {HIPS} · measurement: Hips · optional"
    assert not any("What went well" in line for line in lines)

    versions = await form_versions(harness, "checkin-1-1")
    assert [content["version"] for content in versions] == [1, 2, 3, 4, 5]
    assert len(versions[0]["questions"]) == 9  # the first version is kept as it was
    latest = {q["key"]: q for q in versions[-1]["questions"]}
    assert "wins" not in latest
    assert latest["q10"] == {
        "key": "q10",
        "kind": "metric",
        "prompt": {"en": HIPS},
        "optional": True,
        "minimum": 40,
        "maximum": 250,
        "metric": "hips",
    }

    # A second template, by name.
    await press_and_see(coach, "⬅ Templates", added, lambda m: m.text.startswith("Your check-in"))
    await coach.press("➕ New template", message_id=added.message_id)
    ask_name = await coach.next_bot_message()
    assert ask_name.text.startswith("What should the new template be called?")
    await coach.send_text("x" * 65)
    assert (await coach.next_bot_message()).text == (
        "Please send a name of 1 to 64 characters, or /cancel."
    )
    await coach.send_text("Monthly review")
    created = await coach.next_bot_message()
    assert created.text.startswith("Template created ✅\n\nMonthly review · 9 questions")
    assert question_lines(created) == WEEKLY_LINES
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("📝 Check-in templates")
    listing = await coach.next_bot_message()
    assert listing.text.splitlines()[1:3] == [
        "1. Weekly check-in · 9 questions",
        "2. Monthly review · 9 questions",
    ]
    async with harness.app.session_factory() as session:
        names = (await session.scalars(select(CheckinTemplateRow.name))).all()
    assert sorted(names) == ["Monthly review", "Weekly check-in"]
    [monthly] = await form_versions(harness, "checkin-1-2")
    assert monthly["title"] == {"en": "Monthly review"}

    # The follow-up rules: an out-of-range grace period is refused, then one is saved.
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("⏰ Check-in follow-ups")
    rules = await coach.next_bot_message()
    assert rules.text.splitlines()[:2] == [
        "Check-in follow-ups",
        "Reminder again after 24 h if not finished; counted as missed after 48 h (the client "
        "gets a friendly follow-up); you are alerted after 2 missed in a row.",
    ]
    assert rules.buttons == [
        ["🔔 Reminder after 24 h"],
        ["⌛ Missed after 48 h"],
        ["🚨 Alert after 2 missed"],
    ]
    await coach.press("⌛ Missed after 48 h")
    question = await coach.next_bot_message()
    assert question.text.endswith("Now: 48 h. Send a whole number from 25 to 336.")
    await coach.send_text("12")
    assert (await coach.next_bot_message()).text == (
        "A check-in can count as missed only after the reminder (24 h) and within 14 days. "
        "Please send a whole number from 25 to 336."
    )
    await coach.send_text("0")
    assert (await coach.next_bot_message()).text.endswith("from 25 to 336.")
    await coach.send_text("three days")
    assert (await coach.next_bot_message()).text == "Please send a whole number from 25 to 336."
    await coach.send_text("72")
    saved = await coach.next_bot_message()
    assert saved.text.startswith("Saved ✅\n\nCheck-in follow-ups\nReminder again after 24 h")
    assert "counted as missed after 72 h" in saved.text
    assert saved.buttons[1] == ["⌛ Missed after 72 h"]
    async with harness.app.session_factory() as session:
        grace = await session.scalar(select(CoachRow.checkin_grace_hours))
    assert grace == 72
    await coach.send_text("96")  # the conversation is over
    assert (await coach.next_bot_message()).text.startswith("Sorry, I did not understand")


async def test_cancel_leaves_adding_a_question_without_a_new_version(harness: Harness):
    coach = harness.admin
    listing = await open_templates(coach)
    await press_and_see(coach, "Weekly check-in", listing, lambda m: "questions" in m.text)
    await coach.press("➕ Add question")
    await coach.next_bot_message()
    await coach.press("One choice")
    await coach.next_bot_message()
    await coach.send_text("How was your week?")
    options = await coach.next_bot_message()
    assert options.text.startswith("Send the options, one per line")
    await coach.send_text("Great")
    refused = await coach.next_bot_message()
    assert refused.text.startswith("Please send at least 2 options")
    await coach.send_text("/cancel")
    assert (await coach.next_bot_message()).text == "Cancelled. Nothing was saved."
    assert len(await form_versions(harness, "checkin-1-1")) == 1


async def test_another_coachs_template_cannot_be_shown_or_edited(harness: Harness):
    ben = harness.user(2101, "Ben", last_name="Baker")
    await open_link(ben, await create_link(harness))
    await harness.admin.bot_messages_until_idle()
    await open_templates(ben)
    async with harness.app.session_factory() as session:
        [(bens_template, form_key)] = (
            await session.execute(select(CheckinTemplateRow.id, CheckinTemplateRow.form_key))
        ).all()

    admin = harness.admin
    await admin.send_text("/menu")
    menu = await admin.next_bot_message()
    for action, value in (
        (TemplateAction.show, ""),
        (TemplateAction.question, "wins"),
        (TemplateAction.remove, "wins"),
        (TemplateAction.optional, "wins"),
        (TemplateAction.add, ""),
    ):
        forged = TemplateCb(template_id=bens_template, action=action, value=value).pack()
        answer = await admin.callback_answer(await admin.press_data(menu.message_id, forged))
        assert answer.text == "Sorry, you are not allowed to do that.", action
    assert menu.text == "Coach menu:"
    assert [v["version"] for v in await form_versions(harness, form_key)] == [1]
    await admin.send_text("Hips?")  # not taken as a question for Ben's template
    assert (await admin.next_bot_message()).text.startswith("Sorry, I did not understand")
