"""The Bot API client, shared by the bot and the delivery worker.

Kept apart from the composition root (`bot.app`), which imports every handler: the
worker only sends messages and should not wait for the handlers to load."""

from __future__ import annotations

import inspect
from functools import cache

from aiogram import Bot, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods.base import Response, TelegramMethod

from coachbot.config import Settings


@cache
def pin_response_models() -> tuple[type, ...]:
    """aiogram parses every Bot API answer as `Response[<result type>]`, a generic
    pydantic model that pydantic caches only weakly: once the answer is dropped, the
    class is collected and the next call builds it again (schema, validator), which cost
    more than the rest of handling an update. Holding one of each keeps them cached."""
    api_methods = (getattr(methods, name) for name in methods.__all__)
    results = {
        method.__returning__
        for method in api_methods
        if inspect.isclass(method) and issubclass(method, TelegramMethod)
        if method is not TelegramMethod
    }
    return tuple(Response[result] for result in results)  # type: ignore[valid-type]


def create_bot(settings: Settings) -> Bot:
    pin_response_models()
    token = settings.token
    if token is None:
        raise ValueError("BOT_TOKEN is required to create the bot")
    session = AiohttpSession()
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    defaults = DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True)
    return Bot(token, session=session, default=defaults)
