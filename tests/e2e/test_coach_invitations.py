"""An admin invites a coach with a one-time link; the link is refused once it is used,
expired, revoked or forged."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select

from coachbot.sandbox.telegram_server import FakeUser
from coachbot.storage.tables import AuditRow, InvitationRow
from tests.e2e.conftest import BOT_USERNAME, Harness

LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


async def ask_for_link(admin: FakeUser, note: str = "Ben Baker") -> None:
    """Walk the admin up to the validity question."""
    await admin.send_text("/invite_coach")
    question = await admin.next_bot_message()
    assert question.text.startswith("Who is this invitation for?")
    assert question.buttons == [["Cancel"]]
    await admin.send_text(note)
    validity = await admin.next_bot_message()
    assert validity.text == "How long should the link stay valid?"
    assert validity.buttons == [["1 day", "7 days", "30 days"], ["Cancel"]]


async def create_link(harness: Harness, days: str = "7 days") -> str:
    admin = harness.admin
    await ask_for_link(admin)
    await admin.press(days)
    chat = await admin.wait_for(lambda chat: "t.me/" in chat.last_bot_message.text)
    message = chat.last_bot_message
    assert message.text.startswith("Invitation for Ben Baker is ready.")
    assert "It works once and expires" in message.text
    assert message.buttons == [["Revoke"]]
    match = LINK.search(message.text)
    assert match, message.text
    return match.group(1)


async def open_link(user: FakeUser, token: str):
    await user.send_text(f"/start {token}")
    return await user.next_bot_message()


async def test_invited_coach_is_greeted_with_the_coach_menu(harness: Harness):
    token = await create_link(harness)
    ben = harness.user(2001, "Ben", last_name="Baker")
    welcome = await open_link(ben, token)
    assert welcome.text.startswith("Welcome to Coachbot, Ben! Anna Admin invited you as a coach")
    assert welcome.buttons == [
        ["📥 Review (0)"],
        ["👥 Clients"],
        ["➕ Add client"],
        ["📝 Check-in templates"],
        ["⏰ Check-in follow-ups"],
        ["📏 Custom metrics"],
        ["💶 Billing"],
    ]
    commands = [c["command"] for c in harness.telegram.commands_for(ben.id)]
    assert commands == [
        *("start", "help", "cancel", "privacy", "terms", "profile"),
        *("menu", "review", "clients"),
    ]
    await ben.press("👥 Clients")
    assert (await ben.next_bot_message()).text == "You have no clients yet."
    await ben.send_text("/start")
    assert (await ben.next_bot_message()).text == "Welcome back, Ben! This is your coach menu:"


async def test_the_inviter_hears_when_the_coach_joins(harness: Harness):
    token = await create_link(harness)
    await open_link(harness.user(2010, "Ben", last_name="Baker"), token)
    notice = await harness.admin.next_bot_message()
    assert notice.text == "Ben Baker accepted your invitation and is now a coach."
    [delivered] = [
        c
        for c in harness.telegram.calls("sendMessage")
        if c.params.get("chat_id") in (1000, "1000")
        and "accepted your invitation" in c.params.get("text", "")
    ]
    assert delivered.ok


async def test_a_used_link_is_refused_to_the_next_person(harness: Harness):
    token = await create_link(harness)
    await open_link(harness.user(2002, "Ben"), token)
    reply = await open_link(harness.user(2003, "Eve"), token)
    assert reply.text.startswith("This invitation link has already been used.")
    await harness.user(2003, "Eve").send_text("/menu")
    assert (await harness.user(2003, "Eve").next_bot_message()).text.startswith("Sorry, I did")


async def test_an_expired_link_is_refused(harness: Harness):
    token = await create_link(harness, days="1 day")
    harness.clock.advance(days=1, minutes=1)
    reply = await open_link(harness.user(2004, "Ben"), token)
    assert reply.text == (
        "This invitation link has expired. Ask the person who sent it for a new one."
    )


async def test_a_forged_link_is_refused(harness: Harness):
    await create_link(harness)
    reply = await open_link(harness.user(2005, "Mallory"), "A" * 32)
    assert reply.text.startswith("This invitation link is not valid.")


async def test_a_revoked_link_is_refused_and_leaves_the_open_list(harness: Harness):
    token = await create_link(harness)
    admin = harness.admin
    answer = await admin.callback_answer(await admin.press("Revoke"))
    assert answer.text == "Invitation revoked."
    chat = await admin.wait_for(lambda chat: "revoked" in chat.last_bot_message.text)
    assert chat.last_bot_message.text == "Invitation revoked.\n\nThere are no open invitations."
    assert "t.me" not in chat.last_bot_message.text
    reply = await open_link(harness.user(2006, "Ben"), token)
    assert reply.text.startswith("This invitation link was withdrawn.")


async def test_open_invitations_are_listed_with_revoke_buttons(harness: Harness):
    await create_link(harness)
    await harness.admin.send_text("/invitations")
    listing = await harness.admin.next_bot_message()
    assert listing.text.startswith("Open invitations:\n1. Ben Baker: coach invitation, expires")
    assert listing.buttons == [["Revoke"]]


async def test_a_double_tapped_button_creates_one_invitation(harness: Harness):
    admin = harness.admin
    await ask_for_link(admin)
    first, second = await asyncio.gather(admin.press("7 days"), admin.press("7 days"))
    answers = {
        (await admin.callback_answer(first)).text,
        (await admin.callback_answer(second)).text,
    }
    assert answers == {"Invitation created.", "This button is no longer active."}
    async with harness.app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(InvitationRow)) == 1
    links = [m for m in admin.chat.bot_messages if LINK.search(m.text)]
    assert len(links) == 1


async def test_every_invitation_step_is_audited(harness: Harness):
    token = await create_link(harness)
    await open_link(harness.user(2007, "Ben"), token)
    async with harness.app.session_factory() as session:
        actions = (await session.scalars(select(AuditRow.action).order_by(AuditRow.id))).all()
    assert actions == [
        "coach.created",
        "invitation.created",
        "invitation.accepted",
        "coach.created",
    ]


async def test_a_forged_revoke_button_is_refused(harness: Harness):
    await create_link(harness)
    eve = harness.user(2008, "Eve")
    await eve.send_text("/start")
    greeting = await eve.next_bot_message()
    answer = await eve.callback_answer(await eve.press_data(greeting.message_id, "inv:rv:1"))
    assert answer.text == "This button is no longer active."
    async with harness.app.session_factory() as session:
        revoked = await session.scalar(select(InvitationRow.revoked_at))
    assert revoked is None


async def test_an_admin_cannot_revoke_a_missing_invitation(harness: Harness):
    await harness.admin.send_text("/start")
    menu = await harness.admin.next_bot_message()
    query = await harness.admin.press_data(menu.message_id, "inv:rv:999")
    answer = await harness.admin.callback_answer(query)
    assert answer.text.startswith("This invitation link is not valid.")
    assert answer.show_alert
