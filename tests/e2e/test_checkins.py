"""Check-ins end to end: the coach schedules, the tick opens the check-in, the client
answers every kind of question (a wrong answer re-asked, an album of photos), the coach
reviews it with deltas and photos and replies by voice; the client hears back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.tables import CheckinRow, MetricEntryRow, PhotoRow
from tests.e2e.checkin_helpers import (
    move_clock_to,
    onboarded_client,
    photo,
    run_checkin_ticks,
    schedule_weekly,
)
from tests.e2e.conftest import Harness

# The fake clock starts on Monday 2 March 2026, 09:00 UTC (10:00 in Berlin).
FIRST_DUE = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin (CET)
SECOND_DUE = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)


async def answer(user: FakeUser, *, text: str | None = None, press: str | None = None):
    if text is not None:
        await user.send_text(text)
    else:
        await user.press(press)
    return await user.next_bot_message()


async def send_album(user: FakeUser, group: str, seeds: list[int]) -> None:
    for seed in seeds:
        await user.send_photo(photo(seed), media_group_id=group)


async def answer_checkin(cleo: FakeUser, *, weight: str, waist: str, album: str) -> str:
    """Every question of the default weekly check-in; returns the closing message."""
    await cleo.press("▶️ Start check-in")
    first = await cleo.next_bot_message()
    assert "What did you weigh this morning?" in first.text and "question 1" in first.text
    refused = await answer(cleo, text="heavy")
    assert refused.text == "Please send a number, like 72.5."
    assert "What did you weigh" in (await cleo.next_bot_message()).text
    waist_question = await answer(cleo, text=weight)
    assert "waist" in waist_question.text
    energy = await answer(cleo, text=waist)
    assert energy.buttons[:2] == [["1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]
    sleep = await answer(cleo, press="7")
    assert "hours did you sleep" in sleep.text
    adherence = await answer(cleo, text="7.5")
    assert adherence.buttons[1] == ["Mostly (70–90 %)"]
    trained = await answer(cleo, press="Mostly (70–90 %)")
    assert trained.buttons[0] == ["Yes", "No"]
    wins = await answer(cleo, press="Yes")
    assert "What went well" in wins.text
    struggles = await answer(cleo, text="Hit every session")
    photos = await answer(cleo, press="Skip")
    assert struggles.text and "progress photos" in photos.text
    await send_album(cleo, album, [1, 2, 3] if album == "a1" else [4, 5, 6])
    done = await cleo.next_bot_message()
    return done.text


async def test_a_scheduled_checkin_is_answered_reviewed_and_answered_by_voice(
    harness: Harness,
):
    cleo = await onboarded_client(harness)
    coach = harness.admin
    summary = await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    assert "Every Mon at 08:00 (Europe/Berlin)" in summary
    assert "Next: Mar 9, 2026" in summary

    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    ready = await cleo.next_bot_message()
    assert ready.text == "Hi Cleo, your check-in is ready. It takes about five minutes."
    done = await answer_checkin(cleo, weight="72", waist="81", album="a1")
    assert done.startswith("Thank you, Cleo! Your check-in is with your coach.")
    told = await coach.next_bot_message()
    assert told.text == ("📥 Cleo Park sent their check-in. 1 check-in is waiting for review.")
    await coach.press("Review")
    first_card = await coach.bot_messages_until_idle()
    assert [m.kind for m in first_card] == ["photo", "photo", "photo", "text"]
    await coach.press("✅ Mark reviewed")
    assert [m.text for m in await coach.bot_messages_until_idle()] == [
        "Marked as reviewed ✅",
        "Nothing to review right now. 🎉",
    ]

    move_clock_to(harness, SECOND_DUE)
    await run_checkin_ticks(harness)
    assert "your check-in is ready" in (await cleo.next_bot_message()).text
    await answer_checkin(cleo, weight="71.2", waist="80", album="a2")
    await coach.next_bot_message()
    await coach.send_text("/review")
    card_messages = await coach.bot_messages_until_idle()
    album, card = card_messages[:-1], card_messages[-1]
    assert [m.caption.split(" · ")[0] for m in album] == ["This check-in"] * 3 + ["Previous"] * 3
    assert all(m.protect_content for m in album)
    assert "📋 Check-in from <b>Cleo Park</b>" in card.html
    assert "What did you weigh this morning?\n71.2 kg (−0.8 kg)" in card.text
    assert "Your waist circumference (at the navel)?\n80.0 cm (−1 cm)" in card.text
    assert "How well did you stick to your plan this week?\nMostly (70–90 %)" in card.text
    assert "Compared with the check-in of Mar 9, 2026." in card.text
    assert card.buttons == [["💬 Reply", "✅ Mark reviewed"], ["➡ Next", "Skip"]]

    await coach.press("💬 Reply")
    assert (await coach.next_bot_message()).text.startswith("Your feedback for Cleo Park")
    await coach.send_voice(b"OggS-voice-note", duration=4)
    sent = await coach.next_bot_message()
    assert sent.text == "Sent to Cleo Park ✅"
    feedback = await cleo.next_bot_message()
    assert feedback.kind == "voice"
    assert feedback.caption == "💬 Anna Admin replied to your check-in of Mar 16, 2026:"
    await coach.press("✅ Mark reviewed")
    await coach.bot_messages_until_idle()

    async with harness.app.session_factory() as session:
        checkins = (await session.scalars(select(CheckinRow).order_by(CheckinRow.id))).all()
        weights = (
            await session.scalars(
                select(MetricEntryRow.value)
                .where(MetricEntryRow.metric == "weight")
                .order_by(MetricEntryRow.id)
            )
        ).all()
        photos = (await session.scalars(select(PhotoRow))).all()
    assert [c.status for c in checkins] == ["reviewed", "reviewed"]
    assert checkins[1].first_feedback_at is not None
    assert weights == [72.0, 71.2]
    assert len(photos) == 6 and all(p.checkin_id for p in photos)
