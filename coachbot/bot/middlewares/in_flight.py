"""Know which updates are still being handled, so shutting down can wait for them.

aiogram's stop_polling returns while handlers still run; closing the database, Redis
(conversation locks) and the bot session under them would fail those updates half-way.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from coachbot.bot.middlewares import NextHandler


class UpdatesInFlight(BaseMiddleware):
    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(
        self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def drained(self, timeout: float) -> bool:  # noqa: ASYNC109 - a bound, not a deadline
        """Wait until no update is being handled; False if some still were at `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
