"""Check-ins end to end: the coach schedules, the tick opens the check-in, the client
answers every kind of question (a wrong answer re-asked, an album of photos), the coach
reviews it with deltas and photos and replies by voice; the client hears back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coachbot.sandbox.telegram_models import ChatMessage
from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.repositories.checkins import SqlCheckinRepository
from coachbot.storage.tables import CheckinRow, MetricEntryRow, PhotoRow
from tests.e2e.checkin_helpers import (
    move_clock_to,
    onboarded_client,
    photo,
    run_checkin_ticks,
    schedule_weekly,
)
from tests.e2e.conftest import Harness
from tests.e2e.test_coach_invitations import create_link

# The fake clock starts on Monday 2 March 2026, 09:00 UTC (10:00 in Berlin).
FIRST_DUE = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin (CET)
SECOND_DUE = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)


def is_text(message: ChatMessage) -> bool:
    """A review card's text, which comes after its photos."""
    return message.kind == "text"


def is_queue_empty(message: ChatMessage) -> bool:
    return message.text == "Nothing to review right now. 🎉"


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
    first_card = await coach.bot_messages_through(is_text)
    assert [m.kind for m in first_card] == ["photo", "photo", "photo", "text"]
    await coach.press("✅ Mark reviewed")
    assert [m.text for m in await coach.bot_messages_through(is_queue_empty)] == [
        "Marked as reviewed ✅",
        "Nothing to review right now. 🎉",
    ]

    move_clock_to(harness, SECOND_DUE)
    await run_checkin_ticks(harness)
    assert "your check-in is ready" in (await cleo.next_bot_message()).text
    await answer_checkin(cleo, weight="71.2", waist="80", album="a2")
    await coach.next_bot_message()
    await coach.send_text("/review")
    card_messages = await coach.bot_messages_through(is_text)
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
    assert feedback.buttons == [["💬 Answer"]]

    # The thread goes on: the client answers, the coach sees it on the card.
    await cleo.press("💬 Answer")
    assert (await cleo.next_bot_message()).text.startswith("Your answer to your coach")
    assert (await answer(cleo, text="Thanks, I will!")).text == "Sent to your coach ✅"
    relayed = await coach.next_bot_message()
    assert relayed.text == (
        "💬 Cleo Park answered about their check-in of Mar 16, 2026:\n\nThanks, I will!"
    )
    assert relayed.buttons == [["💬 Reply"]]
    await coach.send_text("/review")
    card = (await coach.bot_messages_through(is_text))[-1]
    assert card.text.endswith(
        "Conversation\n• You: 🎤 voice message\n• Cleo Park: Thanks, I will!\n1 check-in waiting"
    )
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


async def test_a_missed_checkin_gets_one_follow_up_and_the_coach_one_alert(harness: Harness):
    cleo = await onboarded_client(harness)
    coach = harness.admin
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")

    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    assert "your check-in is ready" in (await cleo.next_bot_message()).text
    harness.clock.advance(hours=25)  # the coach's default nudge comes after 24 h
    await run_checkin_ticks(harness)
    await run_checkin_ticks(harness)
    nudge = await cleo.next_bot_message()
    assert nudge.text == "A friendly reminder: your check-in is still waiting for you."
    assert nudge.buttons == [["▶️ Start check-in"]]
    harness.clock.advance(hours=24)  # past the 48 h grace period
    for _ in range(3):  # ticks that run again send nothing again
        await run_checkin_ticks(harness)
    missed = await cleo.next_bot_message()
    assert missed.text.startswith("Hi Cleo, we missed your check-in this time.")
    assert await cleo.bot_messages_until_idle() == []
    assert await coach.bot_messages_until_idle() == []  # one miss is not yet a pattern

    move_clock_to(harness, SECOND_DUE)
    await run_checkin_ticks(harness)
    assert "your check-in is ready" in (await cleo.next_bot_message()).text
    harness.clock.advance(hours=49)
    await run_checkin_ticks(harness)
    await run_checkin_ticks(harness)
    alert = await coach.next_bot_message()  # through the outbox: may take a moment
    assert alert.text == "⚠️ Cleo Park has missed 2 check-ins in a row."
    assert alert.buttons == [["Open client"]]
    assert await coach.bot_messages_until_idle(idle=1.5) == []
    # Found late (the tick ran after the grace period): the follow-up, not also a nudge.
    assert (await cleo.next_bot_message()).text.startswith("Hi Cleo, we missed your check-in")
    assert await cleo.bot_messages_until_idle(idle=1.5) == []

    # The third miss in a row does not alert again.
    harness.clock.advance(days=7)
    await run_checkin_ticks(harness)
    harness.clock.advance(hours=49)
    await run_checkin_ticks(harness)
    assert await coach.bot_messages_until_idle() == []
    async with harness.app.session_factory() as session:
        statuses = (await session.scalars(select(CheckinRow.status).order_by(CheckinRow.id))).all()
    assert statuses == ["closed", "closed", "open"]


async def test_a_missed_checkin_can_still_be_sent_late_until_the_next_one(harness: Harness):
    cleo = await onboarded_client(harness)
    coach = harness.admin
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    harness.clock.advance(hours=50)
    await run_checkin_ticks(harness)
    await cleo.next_bot_message()  # ready
    follow_up = await cleo.next_bot_message()
    assert follow_up.buttons == [["▶️ Send it now"]]
    await cleo.press("▶️ Send it now")
    assert "What did you weigh" in (await cleo.next_bot_message()).text
    await answer(cleo, text="70")
    # The next check-in opens: the unfinished late one closes.
    move_clock_to(harness, SECOND_DUE)
    await run_checkin_ticks(harness)
    assert "your check-in is ready" in (await cleo.next_bot_message()).text
    query = await cleo.press("▶️ Send it now", message_id=follow_up.message_id)
    answer_to_closed = await cleo.callback_answer(query)
    assert answer_to_closed.text == "This check-in is closed: the next one is already due."
    assert await coach.bot_messages_until_idle() == []


async def test_a_restart_between_reminder_and_answer_loses_nothing(harness: Harness):
    cleo = await onboarded_client(harness)
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    await cleo.next_bot_message()
    await restart(harness)
    await run_checkin_ticks(harness)  # the tick after a restart opens nothing twice
    assert await cleo.bot_messages_until_idle() == []

    await cleo.press("▶️ Start check-in")
    await cleo.next_bot_message()
    await answer(cleo, text="72")
    await restart(harness)
    await cleo.send_text("/checkin")
    resumed = await cleo.next_bot_message()
    assert "waist" in resumed.text and "question 2" in resumed.text
    async with harness.app.session_factory() as session:
        assert len((await session.scalars(select(CheckinRow))).all()) == 1


async def restart(harness: Harness) -> None:
    """The bot process restarts and the conversation state is gone (cleared, or from
    before it was kept): what is stored is enough to go on."""
    await harness.restart()
    await harness.forget_conversations()


async def test_another_coach_cannot_see_or_review_this_checkin(harness: Harness):
    cleo = await onboarded_client(harness)
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    await cleo.next_bot_message()
    await answer_checkin(cleo, weight="72", waist="81", album="a1")
    await harness.admin.next_bot_message()
    otto = await second_coach(harness)
    await otto.send_text("/review")
    assert (await otto.next_bot_message()).text == "Nothing to review right now. 🎉"
    async with harness.app.session_factory() as session:
        checkin_id = await session.scalar(select(CheckinRow.id))
    for action in ("sh", "rp", "ok", "sk"):
        shown = otto.chat.last_bot_message
        query = await otto.press_data(shown.message_id, f"rv:{action}:{checkin_id}")
        refused = await otto.callback_answer(query)
        assert refused.text == "That check-in was not found."
    assert await otto.bot_messages_until_idle() == []
    async with harness.app.session_factory() as session:
        assert await session.scalar(select(CheckinRow.status)) == "submitted"


async def second_coach(harness: Harness) -> FakeUser:
    """Otto, made a coach by the admin's invitation link."""
    await harness.admin.bot_messages_until_idle()
    token = await create_link(harness)
    otto = harness.user(5001, "Otto")
    await otto.send_text(f"/start {token}")
    await otto.bot_messages_until_idle()
    await harness.admin.bot_messages_until_idle()
    return otto


async def reach_photo_question(harness: Harness) -> FakeUser:
    cleo = await onboarded_client(harness)
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    await cleo.next_bot_message()
    await cleo.press("▶️ Start check-in")
    await cleo.next_bot_message()
    for step in ("72", "81", "@7", "7", "@Fully (90–100 %)", "@No", "Good week", "@Skip"):
        await answer(cleo, press=step[1:]) if step.startswith("@") else await answer(
            cleo, text=step
        )
    return cleo


@pytest.mark.settings(photo_max_mb=1)
async def test_photos_one_by_one_as_files_and_refused_files(harness: Harness):
    cleo = await reach_photo_question(harness)
    pdf, jpeg = "application/pdf", "image/jpeg"
    await cleo.send_document(b"%PDF-1.4 not a photo", file_name="plan.pdf", mime_type=pdf)
    assert await refused_then_asked_again(cleo) == (
        "That file is not a photo. Please send a photo (JPEG, PNG or WebP)."
    )
    await cleo.send_document(b"\xff\xd8" + bytes(1_100_000), file_name="big.jpg", mime_type=jpeg)
    assert await refused_then_asked_again(cleo) == (
        "That file is too large: photos up to 1 MB, please."
    )
    await cleo.send_document(b"GIF89a fake", file_name="fake.jpg", mime_type=jpeg)
    assert (await refused_then_asked_again(cleo)).startswith("That is not a photo I can open.")
    # An uncompressed photo sent as a file counts, like a compressed one.
    await cleo.send_document(photo(7), file_name="front.jpg", mime_type="image/jpeg")
    first = await cleo.next_bot_message()
    assert first.text == "Got it: 1 of up to 3 photos. Send another, or tap Done."
    assert first.buttons == [["✅ Done"], ["⬅ Back"]]
    await cleo.send_photo(photo(8))
    second = await cleo.next_bot_message()
    assert second.text.startswith("Got it: 2 of up to 3 photos.")
    done = await answer(cleo, press="✅ Done")
    assert done.text.startswith("Thank you, Cleo!")
    async with harness.app.session_factory() as session:
        photos = (await session.scalars(select(PhotoRow))).all()
    assert len(photos) == 2 and all(p.checkin_id for p in photos)


async def test_an_album_smaller_than_the_question_is_acknowledged_once(harness: Harness):
    cleo = await reach_photo_question(harness)
    await send_album(cleo, "two", [1, 2])
    await stored_photos(harness, 2)
    harness.clock.advance(seconds=3)  # the acknowledgement waits for the album to settle
    acknowledged = await cleo.next_bot_message()
    assert acknowledged.text == "Got your photos. Send more, or tap Done."
    assert await cleo.bot_messages_until_idle(idle=1.5) == []
    done = await answer(cleo, press="✅ Done")
    assert done.text.startswith("Thank you, Cleo!")


async def stored_photos(harness: Harness, count: int) -> None:
    """Wait until the bot has handled `count` photos (each is its own update)."""
    async with asyncio.timeout(10):
        while True:
            async with harness.app.session_factory() as session:
                if len((await session.scalars(select(PhotoRow.id))).all()) >= count:
                    return
            await asyncio.sleep(0.05)


async def refused_then_asked_again(cleo: FakeUser) -> str:
    refusal = await cleo.next_bot_message()
    assert "Your progress photos" in (await cleo.next_bot_message()).text
    return refusal.text


async def test_photos_reach_the_coach_protected_unless_the_client_allows_forwarding(
    harness: Harness,
):
    cleo = await reach_photo_question(harness)
    await cleo.send_photo(photo(1))
    await cleo.next_bot_message()
    await answer(cleo, press="✅ Done")
    coach = harness.admin
    await coach.next_bot_message()
    await coach.send_text("/review")
    protected = (await coach.bot_messages_through(is_text))[0]
    assert protected.kind == "photo" and protected.protect_content

    await cleo.send_text("/profile")
    profile = await cleo.next_bot_message()
    assert "Coach may forward photos: No" in profile.text
    await cleo.press("Coach may forward photos")
    assert "May your coach forward and save" in (await cleo.next_bot_message()).text
    changed = await answer(cleo, press="Yes")
    assert "Coach may forward photos: Yes" in changed.text
    await coach.send_text("/review")
    shared = (await coach.bot_messages_through(is_text))[0]
    assert shared.kind == "photo" and not shared.protect_content


async def test_a_checkin_whose_submission_failed_resumes_at_its_last_question(
    harness: Harness, monkeypatch
):
    """The last answer and the submission are one transaction: when submitting fails,
    /checkin asks the last question again (not a blank form), and answering it then
    reaches the coach."""
    cleo = await onboarded_client(harness)
    coach = harness.admin
    await schedule_weekly(harness, "Cleo Park", "Mon", "08:00")
    move_clock_to(harness, FIRST_DUE)
    await run_checkin_ticks(harness)
    await cleo.next_bot_message()
    await cleo.press("▶️ Start check-in")
    await cleo.next_bot_message()
    answers = [("text", "72"), ("text", "81"), ("press", "7"), ("text", "7.5")]
    answers += [("press", "Mostly (70–90 %)"), ("press", "Yes"), ("text", "Hit every session")]
    for kind, value in answers:
        await answer(cleo, **{kind: value})
    photos = await answer(cleo, press="Skip")
    assert "progress photos" in photos.text

    original = SqlCheckinRepository.count_review_queue

    async def crash_once(self, coach_id):
        monkeypatch.setattr(SqlCheckinRepository, "count_review_queue", original)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(SqlCheckinRepository, "count_review_queue", crash_once)
    failed = await answer(cleo, press="Skip")
    assert failed.text.startswith("Something went wrong")
    await cleo.send_text("/checkin")
    again = await cleo.next_bot_message()
    assert "progress photos" in again.text
    done = await answer(cleo, press="Skip")
    assert done.text.startswith("Thank you, Cleo! Your check-in is with your coach.")
    told = await coach.next_bot_message()
    assert told.text == "📥 Cleo Park sent their check-in. 1 check-in is waiting for review."
