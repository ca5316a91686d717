"""Record who sent the update and inject their `identity` (user + roles)."""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from coachbot.bot.middlewares import NextHandler
from coachbot.domain.people.identity import IdentifyUser, IdentifyUserUseCase


class IdentityMiddleware(BaseMiddleware):
    def __init__(self, identify_user: IdentifyUserUseCase) -> None:
        self._identify_user = identify_user

    async def __call__(
        self,
        handler: NextHandler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is not None and not sender.is_bot:
            data["identity"] = await self._identify_user(
                IdentifyUser(
                    telegram_id=sender.id,
                    first_name=sender.first_name,
                    last_name=sender.last_name,
                    username=sender.username,
                    language_code=sender.language_code,
                )
            )
        return await handler(event, data)
