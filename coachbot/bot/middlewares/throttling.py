"""Per-user flood control on incoming updates.

A fixed window per user: at most `limit` updates per `window` seconds. The first update
over the limit gets one polite notice, the rest of the window is dropped silently (a
flooding client must not make the bot flood back). With Redis the counters are shared
by every bot process.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis

from coachbot.bot.i18n import gettext as _
from coachbot.bot.middlewares import NextHandler
from coachbot.domain.people.identity import LanguagePolicy


class FloodCounter(Protocol):
    async def hit(self, user_id: int, window: float) -> int:
        """Count one update in the user's current window; return the window's count."""
        ...


class MemoryFloodCounter:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._windows: dict[int, tuple[int, int]] = {}

    async def hit(self, user_id: int, window: float) -> int:
        current = math.floor(self._monotonic() / window)
        started, count = self._windows.get(user_id, (current, 0))
        count = count + 1 if started == current else 1
        self._windows[user_id] = (current, count)
        if len(self._windows) > 10_000:
            self._forget_old(current)
        return count

    def _forget_old(self, current: int) -> None:
        self._windows = {k: v for k, v in self._windows.items() if v[0] == current}


class RedisFloodCounter:
    def __init__(self, redis: Redis, prefix: str = "coachbot:flood") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, user_id: int, window: float) -> int:
        key = f"{self._prefix}:{user_id}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, math.ceil(window), nx=True)
            count, _ = await pipe.execute()
        return int(count)


class ThrottlingMiddleware(BaseMiddleware):
    def __init__(
        self,
        counter: FloodCounter,
        *,
        limit: int,
        window: float,
        i18n: I18n,
        languages: LanguagePolicy,
    ) -> None:
        self._counter = counter
        self._limit = limit
        self._window = window
        self._i18n = i18n
        self._languages = languages

    async def __call__(
        self,
        handler: NextHandler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        count = await self._counter.hit(user.id, self._window)
        if count <= self._limit:
            return await handler(event, data)
        if count == self._limit + 1:
            await self._warn(event, user)
        return None

    async def _warn(self, event: TelegramObject, user: User) -> None:
        # Runs before the user is loaded (flooding must not cost a database write), so
        # the language comes from what Telegram says about the sender.
        inner = event.event if isinstance(event, Update) else event
        with self._i18n.context(), self._i18n.use_locale(self._languages.pick(user.language_code)):
            text = _("You are sending messages too fast. Please wait a few seconds.")
            if isinstance(inner, Message):
                await inner.answer(text)
            elif isinstance(inner, CallbackQuery):
                await inner.answer(text, show_alert=True)
