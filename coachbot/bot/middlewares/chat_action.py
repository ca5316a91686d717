"""While a handler flagged with `chat_action` works (drawing a chart, writing a PDF), the
chat shows "sending a photo…" or "sending a file…", so nobody taps twice."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import TelegramObject
from aiogram.utils.chat_action import ChatActionSender

from coachbot.bot.middlewares import NextHandler


class ChatActionFlagMiddleware(BaseMiddleware):
    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        action = get_flag(data, "chat_action")
        chat = data.get("event_chat")
        if not action or chat is None:
            return await handler(event, data)
        async with ChatActionSender(bot=data["bot"], chat_id=chat.id, action=action):
            return await handler(event, data)
