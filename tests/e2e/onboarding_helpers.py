"""A client onboarded through the real conversation, quickly: what they answer is what
the coach sees in the intake, /progress and the export."""

from __future__ import annotations

from coachbot.sandbox.telegram_server import FakeUser
from tests.e2e.conftest import Harness
from tests.e2e.test_client_onboarding import add_client, answer


async def onboard_through_forms(
    harness: Harness, *, reminder: str = "19:00", quiet_end: str = "06:30"
) -> FakeUser:
    """Cleo gives 64 kg, a knee injury and one health flag (asthma); returns her when
    the coach has been told she finished (that notice is left unread for the caller)."""
    token = await add_client(harness)
    cleo = harness.user(4001, "Cleo", last_name="Park")
    await cleo.send_text(f"/start {token}")
    await cleo.next_bot_message()
    await cleo.next_bot_message()  # consent
    await harness.admin.next_bot_message()  # "opened your invitation"
    await answer(cleo, press="✅ I agree")
    await answer(cleo, text="Cleo")
    await answer(cleo, text="14.02.1991")
    await answer(cleo, press="Female")
    await answer(cleo, press="Kilograms and centimetres")
    await answer(cleo, text="170")
    await answer(cleo, text="Berlin")
    await answer(cleo, press="English")
    await cleo.next_bot_message()  # the weight question
    await answer(cleo, text="64")
    await answer(cleo, text="80")  # waist
    await answer(cleo, press="Skip")  # body fat
    await answer(cleo, press="Lightly active")
    await answer(cleo, text="3")
    await answer(cleo, text="7")
    focus = await answer(cleo, press="6")
    await cleo.press("Lose fat", message_id=focus.message_id)
    await cleo.wait_for(lambda chat: ["✅ Lose fat"] in chat.get(focus.message_id).buttons)
    await answer(cleo, press="Done")
    await answer(cleo, press="Yes")  # injuries
    await answer(cleo, text="Left knee")
    await answer(cleo, press="9")  # motivation
    await answer(cleo, press="Skip")  # notes
    for _ in range(3):
        await answer(cleo, press="No")
    await answer(cleo, press="Yes")  # another chronic condition
    await answer(cleo, text="Asthma")
    for _ in range(3):
        await answer(cleo, press="No")
    await answer(cleo, press="Something else")
    await answer(cleo, text="Run 5 km")
    await answer(cleo, text="15.9.2027")  # by when (day over 12: no echo to confirm)
    await answer(cleo, text=reminder)
    await answer(cleo, text="22:00")
    await cleo.send_text(quiet_end)
    await cleo.bot_messages_until_idle()
    await harness.admin.wait_for(  # through the outbox: it may come a little later
        lambda chat: any(
            m.text.startswith("Cleo Park finished onboarding") for m in chat.bot_messages
        )
    )
    return cleo
