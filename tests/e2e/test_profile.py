"""/profile: see your profile and change one field at a time, checked like onboarding."""

from __future__ import annotations

from tests.e2e.conftest import Harness


async def test_a_person_changes_their_profile_field_by_field(harness: Harness):
    sam = harness.user(5001, "Sam")
    await sam.send_text("/profile")
    profile = await sam.next_bot_message()
    assert profile.text.startswith("Your profile\nName: Sam\nBorn: —")
    assert profile.buttons[0] == ["Name", "Born"]

    await sam.press("Height")
    assert (await sam.next_bot_message()).text == "How tall are you?"
    await sam.send_text("very")
    assert (await sam.next_bot_message()).text == "Please send a number, like 72.5."
    assert (await sam.next_bot_message()).text == "How tall are you?"
    await sam.send_text("180")
    saved = await sam.next_bot_message()
    assert saved.text.startswith("Saved.") and "Height: 180 cm" in saved.text

    await sam.press("Units", message_id=saved.message_id)
    await sam.next_bot_message()
    await sam.press("Pounds and inches")
    imperial = await sam.next_bot_message()
    assert "Units: Pounds and inches" in imperial.text and "Height: 71 in" in imperial.text

    await sam.press("Time zone", message_id=imperial.message_id)
    await sam.next_bot_message()
    await sam.send_text("Lisbon")
    assert "Time zone: Europe/Lisbon" in (await sam.next_bot_message()).text

    await sam.press("Language")
    await sam.next_bot_message()
    await sam.press("Deutsch")
    german = await sam.next_bot_message()
    assert german.text.startswith("Gespeichert.\n\nDein Profil")
    assert "Sprache: Deutsch" in german.text
