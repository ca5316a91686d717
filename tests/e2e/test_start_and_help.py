"""First contact, help and privacy, as a Telegram user sees them."""

from __future__ import annotations

from tests.e2e.conftest import Harness


async def test_a_strangers_start_explains_the_bot_and_the_invitation_it_needs(harness: Harness):
    sam = harness.user(501, "Sam")
    await sam.send_text("/start")
    reply = await sam.next_bot_message()
    assert reply.text.startswith("Hi Sam! I am Coachbot, a coaching assistant.")
    assert "you need an invitation link" in reply.text
    assert reply.buttons == []


async def test_an_admin_is_greeted_with_the_coach_menu_and_gets_admin_commands(harness: Harness):
    await harness.admin.send_text("/start")
    reply = await harness.admin.next_bot_message()
    assert reply.text == "Welcome back, Anna! This is your coach menu:"
    assert reply.buttons == [
        ["📥 Review (0)"],
        ["👥 Clients"],
        ["➕ Add client"],
        ["📝 Check-in templates"],
        ["⏰ Check-in follow-ups"],
        ["📏 Custom metrics"],
        ["💶 Billing"],
        ["✉️ Invite a coach"],
        ["📨 Open invitations"],
    ]
    commands = harness.telegram.commands_for(harness.admin.id)
    assert [c["command"] for c in commands] == [
        "start",
        "help",
        "cancel",
        "privacy",
        "terms",
        "profile",
        "menu",
        "review",
        "clients",
        "invite_coach",
        "invitations",
    ]


async def test_everyone_gets_the_basic_command_menu_at_start_up(harness: Harness):
    commands = harness.telegram.commands_for({"type": "all_private_chats"})
    assert [c["command"] for c in commands] == [
        "start",
        "help",
        "cancel",
        "privacy",
        "terms",
        "profile",
    ]


async def test_help_lists_what_this_user_can_do(harness: Harness):
    sam = harness.user(502, "Sam")
    await sam.send_text("/help")
    reply = await sam.next_bot_message()
    assert "/privacy — Privacy policy" in reply.text
    assert "/invite_coach" not in reply.text
    assert "invitation link from a coach" in reply.text
    await harness.admin.send_text("/help")
    admin_help = await harness.admin.next_bot_message()
    assert "/invite_coach — Invite a new coach" in admin_help.text


async def test_privacy_policy_is_shown_formatted(harness: Harness):
    sam = harness.user(503, "Sam")
    await sam.send_text("/privacy")
    reply = await sam.next_bot_message()
    assert reply.text.startswith("Coachbot privacy policy (version 2026-11-25)")
    assert "<b>Coachbot privacy policy</b>" in reply.html
    assert "EXIF/GPS" in reply.text


async def test_unknown_text_gets_a_pointer_to_help(harness: Harness):
    sam = harness.user(504, "Sam")
    await sam.send_text("what is this?")
    reply = await sam.next_bot_message()
    assert reply.text == "Sorry, I did not understand that. Send /help to see what I can do."


async def test_a_coach_sees_their_empty_client_list(harness: Harness):
    await harness.admin.send_text("/start")
    await harness.admin.next_bot_message()
    await harness.admin.press("👥 Clients")
    reply = await harness.admin.next_bot_message()
    assert reply.text == "You have no clients yet."


async def test_coach_commands_are_refused_to_strangers(harness: Harness):
    sam = harness.user(505, "Sam")
    await sam.send_text("/clients")
    reply = await sam.next_bot_message()
    assert reply.text.startswith("Sorry, I did not understand that.")


async def test_terms_of_use_are_shown(harness: Harness):
    sam = harness.user(506, "Sam")
    await sam.send_text("/terms")
    assert (await sam.next_bot_message()).text.startswith("Coachbot terms of use (version")
