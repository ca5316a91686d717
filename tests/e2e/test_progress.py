"""Progress end to end: logging over weeks with milestone celebrations (once), charts as
photos, goal changes from proposal to approval with history, photo comparisons, the
PDF report and the monthly one, CSV and ZIP exports."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from coachbot.storage.tables import GoalChangeRow, GoalRow, OutboxRow
from coachbot.storage.uow import SqlUnitOfWork
from tests.e2e.checkin_helpers import onboarded_client
from tests.e2e.conftest import Harness
from tests.e2e.progress_helpers import log, open_client_card

EXAMPLE = re.compile(r"By when \(e\.g\. (\d\d)\.(\d\d)\.(\d{4})\)\?")


async def add_weight_goal(harness: Harness, target: str) -> None:
    """The coach sets a weight goal from the client's card."""
    coach = harness.admin
    await open_client_card(coach)
    await coach.press("🗂 Progress & reports")
    await coach.next_bot_message()
    await coach.press("🎯 Goals")
    await coach.next_bot_message()
    await coach.press("➕ New goal")
    await coach.next_bot_message()
    await coach.press("Body weight")
    assert "The target weight, in kg?" in (await coach.next_bot_message()).text
    await coach.send_text(target)
    by_when = await coach.next_bot_message()
    # The example is a future date (a past one would be refused), day first for this coach.
    day, month, year = EXAMPLE.search(by_when.text).groups()
    assert date(int(year), int(month), int(day)) > harness.clock.now().date()
    await coach.press("Skip")
    assert (await coach.next_bot_message()).text == "Goal added ✅"
    goals = await coach.next_bot_message()
    assert "Goals of Cleo Park" in goals.text


async def test_the_goal_date_example_is_in_the_future_half_a_year_on(harness: Harness):
    await onboarded_client(harness)
    harness.clock.advance(days=200)  # past any date a fixed example could name
    await add_weight_goal(harness, "76")


async def test_weeks_of_logging_reach_milestones_celebrated_once(harness: Harness):
    cleo = await onboarded_client(harness)
    coach = harness.admin
    (logged,) = await log(cleo, "80")
    assert logged.startswith("Logged ✅ Weight: 80.0 kg")
    await add_weight_goal(harness, "76")
    await coach.bot_messages_until_idle()

    for kg in ("79.6", "79.3"):  # the first milestone is 79.0
        harness.clock.advance(days=7)
        assert len(await log(cleo, kg)) == 1

    harness.clock.advance(days=7)
    text, celebration = await log(cleo, "78.9")
    assert "Since last time: −0.4 kg" in text
    assert celebration == (
        "🎉 Milestone reached, Cleo! Weight: 79.0 kg, 25 % of the way to your goal of 76.0 kg. "
        "Keep it going!"
    )
    assert cleo.chat.last_bot_message.buttons == [["📈 My progress"]]
    note = await coach.next_bot_message()
    assert note.text.startswith("🎉 Cleo Park reached a milestone: Weight 79.0 kg, 25 %")

    harness.clock.advance(days=7)
    await log(cleo, "79.2")  # up again, and down past the same milestone: no second party
    harness.clock.advance(days=7)
    assert len(await log(cleo, "78.8")) == 1
    await cleo.resend_last_update()  # Telegram delivering the same update twice
    assert await cleo.bot_messages_until_idle() == []
    assert await coach.bot_messages_until_idle() == []

    harness.clock.advance(days=7)
    assert "50 % of the way" in (await log(cleo, "77.9"))[1]
    async with harness.app.session_factory() as session:
        keys = (await session.scalars(select(OutboxRow.idempotency_key))).all()
    assert len([k for k in keys if k.startswith("milestone:")]) == 4  # 2 milestones x 2 people


async def test_progress_returns_a_chart_photo_with_its_trend(harness: Harness):
    cleo = await onboarded_client(harness)
    for kg in ("81.0", "80.6", "80.1", "79.9", "79.4"):
        await log(cleo, kg)
        harness.clock.advance(days=3)
    await cleo.send_text("/progress")
    chart = await cleo.next_bot_message()
    assert chart.kind == "photo" and chart.photo is not None
    assert chart.photo[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart.caption.startswith("Weight\nLatest 79.4 kg · 7-day average")
    assert "Trend: −0.9 kg per week" in chart.caption
    assert chart.buttons[0] == ["• Weight"]
    assert "upload_photo" in cleo.chat.actions
    await cleo.press("🗂 All in one")
    panel = await cleo.next_bot_message()
    assert panel.kind == "photo" and panel.caption.startswith("Your progress: Weight")


async def test_the_chart_and_the_goals_name_the_same_day_for_reaching_the_goal(harness: Harness):
    """Asked days after the latest entry, both project from that entry's average."""
    cleo = await onboarded_client(harness)
    await log(cleo, "82")
    await add_weight_goal(harness, "76")
    await harness.admin.bot_messages_until_idle()
    for kg in ("81.5", "81.1", "80.4", "80.2", "79.6"):
        harness.clock.advance(days=4)
        await log(cleo, kg)
    harness.clock.advance(days=6)
    await cleo.send_text("/progress")
    chart = await cleo.next_bot_message()
    await cleo.send_text("/goals")
    goals = await cleo.next_bot_message()
    on_chart = re.search(r"around (\w+ \d+, \d{4})", chart.caption)
    in_goals = re.search(r"around (\w+ \d+, \d{4})", goals.text)
    assert on_chart and in_goals, (chart.caption, goals.text)
    assert on_chart.group(1) == in_goals.group(1)


@pytest.mark.parametrize("decision", ["approve", "adjust"])
async def test_a_goal_change_goes_from_client_to_coach_and_is_kept(harness: Harness, decision):
    cleo = await onboarded_client(harness)
    coach = harness.admin
    await log(cleo, "82")
    await add_weight_goal(harness, "76")
    await coach.bot_messages_until_idle()

    await cleo.send_text("/goals")
    goals = await cleo.next_bot_message()
    assert "🎯 Weight" in goals.text and "82.0 kg → now 82.0 kg → goal 76.0 kg" in goals.text
    await cleo.press("✏️ Propose a change")
    assert "The new target, in kg?" in (await cleo.next_bot_message()).text
    await cleo.send_text("78")
    await cleo.next_bot_message()
    await cleo.send_text("1.7.2026")  # 1 July or 7 January: asked, not guessed
    assert (await cleo.next_bot_message()).text == (
        "I read that as July 1, 2026, but day and month could be swapped. Please send it as "
        "year-month-day to be sure, for example 2026-07-01."
    )
    await cleo.send_text("31.07.2026")
    assert "Why do you want to change it?" in (await cleo.next_bot_message()).text
    await cleo.send_text("Summer holidays")
    assert (await cleo.next_bot_message()).text.startswith("Sent to your coach ✅")

    proposal = await coach.next_bot_message()
    assert proposal.text == (
        "🎯 Cleo Park proposes a change to their goal (Weight): target 76.0 kg → 78.0 kg, "
        "date — → Jul 31, 2026.\nReason: Summer holidays"
    )
    assert proposal.buttons == [["✅ Approve", "✏️ Adjust", "✖️ Decline"]]
    approve = proposal.button("✅ Approve").callback_data
    if decision == "approve":
        await coach.press("✅ Approve")
        assert (await coach.next_bot_message()).text == "Approved ✅ Your client is told."
        told = await cleo.next_bot_message()
        assert told.text.startswith("✅ Your coach approved your goal change: target 76.0 kg")
        expected = 78.0
    else:
        await coach.press("✏️ Adjust")
        await coach.next_bot_message()
        await coach.send_text("77")
        await coach.next_bot_message()
        await coach.press("Skip")
        assert (await coach.next_bot_message()).text.startswith("Adjusted and approved ✅")
        told = await cleo.next_bot_message()
        assert told.text.startswith("✏️ Your coach adjusted your proposal.")
        expected = 77.0
    assert approve is not None
    tap = await coach.press_data(proposal.message_id, approve)  # a stale second tap
    assert (await coach.callback_answer(tap)).text == "Already decided."
    assert await cleo.bot_messages_until_idle() == []  # decided once, told once

    async with harness.app.session_factory() as session:
        goal = (await session.scalars(select(GoalRow))).one()
        changes = (await session.scalars(select(GoalChangeRow))).all()
    assert goal.target_value == expected
    assert [(c.status, c.old_target, c.new_target, c.reason) for c in changes] == [
        ("approved" if decision == "approve" else "edited", 76.0, expected, "Summer holidays")
    ]
    await cleo.send_text("/goals")
    again = await cleo.next_bot_message()
    assert "History: 1 change(s), last: target 76.0 kg →" in again.text


async def test_logging_in_german_with_decimal_commas_and_corrections(harness: Harness):
    cleo = await onboarded_client(harness)
    async with SqlUnitOfWork(harness.app.session_factory) as uow:
        user = await uow.users.get_by_telegram_id(cleo.id)
        assert user is not None
        user.language = "de"
        await uow.users.update(user)
        await uow.commit()
    (logged,) = await log(cleo, "72,5")
    assert logged == "Eingetragen ✅ Gewicht: 72,5 kg"
    refused, *_ = await log(cleo, "Taille 720")
    assert refused.startswith("Das liegt über dem höchsten Wert")
    await cleo.send_text("81,5")  # asked again: the waist, in cm
    assert (await cleo.next_bot_message()).text.startswith("Eingetragen ✅ Taille: 81,5 cm")
    await cleo.press("✏️ Korrigieren")
    entries = await cleo.next_bot_message()
    assert entries.buttons[0][0].endswith("Taille 81,5 cm")
    await cleo.press(entries.buttons[0][0])
    await cleo.next_bot_message()
    await cleo.press("✏️ Wert ändern")
    await cleo.next_bot_message()
    await cleo.send_text("80,5")
    assert (await cleo.next_bot_message()).text == "Geändert ✅ Taille: 80,5 cm"
    await cleo.send_text("/progress")
    chart = await cleo.next_bot_message()
    assert chart.kind == "photo" and chart.caption.startswith("Gewicht\nZuletzt 72,5 kg")


async def test_log_with_only_a_metric_asks_for_its_value(harness: Harness):
    cleo = await onboarded_client(harness)
    await cleo.send_text("/log waist")
    asked = await cleo.next_bot_message()
    assert asked.text == "Your waist now, in cm?" and asked.buttons == [["Cancel"]]
    await cleo.send_text("81,5")
    assert (await cleo.next_bot_message()).text.startswith("Logged ✅ Waist: 81.5 cm")


async def test_cancel_on_the_log_menu_leaves_no_live_buttons(harness: Harness):
    cleo = await onboarded_client(harness)
    await cleo.send_text("/log")
    menu = await cleo.next_bot_message()
    assert ["Cancel"] in menu.buttons
    await cleo.press("Cancel", message_id=menu.message_id)
    cleared = await cleo.wait_for(lambda chat: not chat.get(menu.message_id).buttons)
    assert cleared.get(menu.message_id).text == "What do you want to log?"


async def test_a_coachs_own_metric_is_logged_within_its_range(harness: Harness):
    cleo = await onboarded_client(harness)
    coach = harness.admin
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("📏 Custom metrics")
    assert "None yet." in (await coach.next_bot_message()).text
    await coach.press("➕ New metric")
    await coach.next_bot_message()
    for answer in ("Steps", "steps", "0-60000"):
        await coach.send_text(answer)
        reply = await coach.next_bot_message()
    assert reply.text == "Added ✅ Steps: clients can log it with /log now."
    assert "• Steps (steps, 0–60,000) · all clients" in (await coach.next_bot_message()).text

    await cleo.send_text("/log")
    choices = await cleo.next_bot_message()
    assert "Steps" in [label for row in choices.buttons for label in row]
    await cleo.press("Steps")
    assert (await cleo.next_bot_message()).text == "Your Steps now, in steps?"
    await cleo.send_text("70000")
    refused = await cleo.next_bot_message()
    assert refused.text == (
        "That is above the highest value I can take (60000).\nYour Steps now, in steps?"
    )
    await cleo.send_text("8500")
    assert (await cleo.next_bot_message()).text.startswith("Logged ✅ Steps: 8,500 steps")

    await open_client_card(coach)
    await coach.press("📈 Charts")
    chart = await coach.next_bot_message()
    assert chart.kind == "photo" and chart.caption.startswith("👤 Cleo Park\nSteps")
