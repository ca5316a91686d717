"""Rules every conversation keeps: /cancel at any step, bad answers re-asked, one
reference for one failure, duplicates and floods absorbed."""

from __future__ import annotations

import io
import logging
import re

import pytest
from PIL import Image

from coachbot.domain.people.clients import ListClientsUseCase
from tests.e2e.conftest import Harness


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


async def test_cancel_leaves_the_conversation_at_any_step(harness: Harness):
    admin = harness.admin
    await admin.send_text("/invite_coach")
    await admin.next_bot_message()
    await admin.send_text("/cancel")
    assert (await admin.next_bot_message()).text == "Cancelled. Nothing was saved."
    await admin.send_text("Ben")  # no longer taken as the invitee's name
    assert (await admin.next_bot_message()).text.startswith("Sorry, I did not understand")
    await admin.send_text("/cancel")
    assert (await admin.next_bot_message()).text == "There is nothing to cancel."


async def test_cancel_button_on_the_second_step(harness: Harness):
    admin = harness.admin
    await admin.send_text("/invite_coach")
    await admin.next_bot_message()
    await admin.send_text("Ben")
    await admin.next_bot_message()
    await admin.callback_answer(await admin.press("Cancel"))
    chat = await admin.wait_for(lambda chat: chat.last_bot_message.text.startswith("Cancelled"))
    assert chat.last_bot_message.buttons == []
    await admin.send_text("/invitations")
    assert (await admin.next_bot_message()).text == "There are no open invitations."


async def test_a_wrong_answer_is_re_asked_with_the_reason(harness: Harness):
    admin = harness.admin
    await admin.send_text("/invite_coach")
    await admin.next_bot_message()
    await admin.send_photo(tiny_png())
    assert (await admin.next_bot_message()).text == (
        "Please send the name as plain text, or /cancel."
    )
    await admin.send_text("x" * 150)
    assert "under 100 characters" in (await admin.next_bot_message()).text
    await admin.send_text("Ben")
    await admin.next_bot_message()
    await admin.send_text("a week please")
    reminder = await admin.next_bot_message()
    assert reminder.text == "Please choose one of the buttons."
    assert reminder.buttons[0] == ["1 day", "7 days", "30 days"]


async def test_an_unexpected_error_gives_a_reference_that_is_in_the_log(
    harness: Harness, monkeypatch, caplog
):
    async def broken(self, cmd):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(ListClientsUseCase, "__call__", broken)
    caplog.set_level(logging.ERROR, logger="coachbot.bot.errors")
    await harness.admin.send_text("/clients")
    reply = await harness.admin.next_bot_message()
    match = re.fullmatch(
        r"Something went wrong \(ref ([A-Z0-9]{6})\)\. Please try again later\.", reply.text
    )
    assert match, reply.text
    [record] = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert record.exc_info and "the database is on fire" in str(record.exc_info[1])


async def test_an_error_behind_a_button_is_shown_on_the_button_and_in_the_chat(
    harness: Harness, monkeypatch
):
    async def broken(self, cmd):
        raise RuntimeError("boom")

    await harness.admin.send_text("/menu")
    await harness.admin.next_bot_message()
    monkeypatch.setattr(ListClientsUseCase, "__call__", broken)
    answer = await harness.admin.callback_answer(await harness.admin.press("👥 Clients"))
    assert answer.text.startswith("Something went wrong (ref ") and answer.show_alert
    assert (await harness.admin.next_bot_message()).text == answer.text


async def test_a_duplicated_update_is_handled_once(harness: Harness):
    sam = harness.user(601, "Sam")
    await sam.send_text("/start")
    await sam.next_bot_message()
    await sam.resend_last_update()
    await sam.resend_last_update()
    assert await sam.bot_messages_until_idle(idle=0.3) == []


@pytest.mark.settings(flood_limit=20, flood_window_seconds=10)
async def test_a_flooding_user_is_warned_once_and_ignored(harness: Harness):
    sam = harness.user(602, "Sam")
    for number in range(25):
        await sam.send_text(f"message {number}")
    replies = await sam.bot_messages_until_idle(idle=0.5, timeout=10)
    warnings = [m for m in replies if m.text.startswith("You are sending messages too fast")]
    assert len(warnings) == 1
    assert len(replies) == 21  # 20 answered within the window, then the one warning
