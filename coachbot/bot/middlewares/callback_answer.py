"""Answer every callback query once, after its handler succeeded.

aiogram's CallbackAnswerMiddleware answers in a `finally`, so when a handler fails the
spinner is stopped with an empty answer and the error handler can no longer tell the
user why. Here a failed handler leaves the query unanswered for the error handler.
"""

from __future__ import annotations

from typing import Any

from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from coachbot.bot.middlewares import NextHandler


class AnswerCallbacksMiddleware(CallbackAnswerMiddleware):
    async def __call__(
        self,
        handler: NextHandler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        answer = data["callback_answer"] = self.construct_callback_answer(
            properties=get_flag(data, "callback_answer")
        )
        result = await handler(event, data)
        if not answer.disabled and not answer.answered:
            await self.answer(event, answer)
        return result
