"""A user who blocked the bot gets nothing from the outbox until they unblock it."""

from __future__ import annotations

import asyncio

from coachbot.storage.tables import UnreachableRecipientRow
from tests.e2e.conftest import Harness
from tests.e2e.test_coach_invitations import create_link, open_link


async def admin_unreachable(harness: Harness, expected: bool) -> None:
    """Wait until the bot has handled the my_chat_member update Telegram sent."""
    async with asyncio.timeout(5):
        while True:
            async with harness.app.session_factory() as session:
                row = await session.get(UnreachableRecipientRow, ("telegram", "1000"))
            if (row is not None) == expected:
                return
            await asyncio.sleep(0.02)


def notices_to_admin(harness: Harness) -> list:
    return [
        call
        for call in harness.telegram.calls("sendMessage")
        if str(call.params.get("chat_id")) == "1000" and "accepted your" in call.params["text"]
    ]


async def test_a_blocked_bot_sends_nothing_until_unblocked(harness: Harness):
    first, second = await create_link(harness), await create_link(harness)
    await harness.admin.block_bot()  # Telegram tells the bot: my_chat_member "kicked"
    await admin_unreachable(harness, True)
    await open_link(harness.user(3001, "Ben"), first)
    await harness.admin.bot_messages_until_idle(idle=0.5)
    assert notices_to_admin(harness) == []  # not even tried: no 403 round trip

    await harness.admin.unblock_bot()
    await admin_unreachable(harness, False)
    await open_link(harness.user(3002, "Cleo"), second)
    notice = await harness.admin.wait_for(
        lambda chat: "Cleo accepted" in chat.last_bot_message.text
    )
    assert notice.last_bot_message.text == "Cleo accepted your invitation and is now a coach."
