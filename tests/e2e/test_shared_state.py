"""With Redis, a conversation lives outside the process: it survives a restart and can
continue on another worker."""

from __future__ import annotations

import pytest

from coachbot.application import create_application
from tests.e2e.conftest import make_settings, start_polling, stop_polling


@pytest.mark.redis
async def test_a_conversation_continues_after_the_bot_restarts(
    telegram, sqlite_url, tmp_path, clock, redis_url
):
    telegram.reset()
    settings = make_settings(telegram, sqlite_url, tmp_path, redis_url=redis_url)
    admin = telegram.user(1000, "Anna", last_name="Admin")

    first = create_application(settings, clock=clock, webhook_mode=False)
    task = await start_polling(first, telegram)
    await admin.send_text("/invite_coach")
    await admin.next_bot_message()
    await admin.send_text("Ben")
    await admin.next_bot_message()
    await stop_polling(first, task)
    await first.close()

    second = create_application(settings, clock=clock, webhook_mode=False)
    task = await start_polling(second, telegram)
    try:
        await admin.press("7 days")
        chat = await admin.wait_for(lambda chat: "t.me/" in chat.last_bot_message.text)
        assert chat.last_bot_message.text.startswith("Invitation for Ben is ready.")
    finally:
        await stop_polling(second, task)
        await second.close()
    telegram.assert_no_rejections()
