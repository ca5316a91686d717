"""Names and e-mail addresses are checked the same way wherever they come in: a coach
adding a client, the CSV import, one's own profile. A name of only invisible characters
is no name; an address is one address (checked by email-validator, stored normalised)."""

from __future__ import annotations

from sqlalchemy import select

from coachbot.storage.tables import ClientRow, UserRow
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.test_import_clients import run_import

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


async def test_a_coach_cannot_add_an_invisible_name_or_a_bracketed_address(harness: Harness):
    coach = harness.admin
    await coach.send_text("/menu")
    await coach.next_bot_message()
    await coach.press("➕ Add client")
    assert (await coach.next_bot_message()).text == "What is your new client's name?"
    for invisible in (ZERO_WIDTH, "\u3164", "\u200b \u200b"):
        await coach.send_text(invisible)
        assert (await coach.next_bot_message()).text == "Please send the name as text."
    await coach.send_text("\u200bCle\u0301o\u00a0Park\u200b")  # e + combining acute
    assert (await coach.next_bot_message()).text == "Their email address? (optional)"
    for address in ("<x@y.com>", "Cleo <cleo@example.org>", "cleo@example.org\u200b"):
        await coach.send_text(address)
        assert (await coach.next_bot_message()).text.startswith(
            "That does not look like an email address"
        )
    await coach.send_text("Cleo@Example.ORG")
    assert (await coach.next_bot_message()).text.startswith("Their phone number")
    for _ in range(3):
        await coach.press("Skip")
        await coach.next_bot_message()
    async with harness.app.session_factory() as session:
        client = await session.scalar(select(ClientRow))
    assert (client.display_name, client.email) == ("Cléo Park", "Cleo@example.org")
    assert client.display_name == "Cl\u00e9o Park"  # NFC: one code point for é


async def test_the_import_refuses_invisible_names_and_bracketed_addresses(
    harness: Harness, tmp_path
):
    await harness.admin.send_text("/start")
    await harness.admin.next_bot_message()
    rows = (
        "Name;Email\n"
        f"{ZERO_WIDTH};nobody@example.org\n"
        "Dan Brown;<x@y.com>\n"
        f"{ZERO_WIDTH}Eve Stone;EVE@Example.ORG\n"
    )
    code, out, err = await run_import(harness, tmp_path, rows, "--coach", str(ADMIN_ID))
    assert code == 1, err
    assert "line 2: name: empty" in out
    assert "line 3: email: invalid" in out
    assert "Imported 1 client(s):" in out
    async with harness.app.session_factory() as session:
        client = await session.scalar(select(ClientRow))
    assert (client.display_name, client.email) == ("Eve Stone", "EVE@example.org")


async def test_ones_own_name_needs_a_visible_letter(harness: Harness):
    sam = harness.user(5001, "Sam")
    await sam.send_text("/profile")
    await sam.next_bot_message()
    await sam.press("Name")
    assert (await sam.next_bot_message()).text == "What should your coach call you?"
    await sam.send_text(ZERO_WIDTH)
    assert (await sam.next_bot_message()).text == "Please send an answer."
    await sam.next_bot_message()  # asked again
    await sam.send_text("\u200bSammy\u200b")
    saved = await sam.next_bot_message()
    assert saved.text.startswith("Saved.") and "Name: Sammy\n" in saved.text
    async with harness.app.session_factory() as session:
        assert await session.scalar(select(UserRow.preferred_name)) == "Sammy"
