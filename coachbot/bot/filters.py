"""Role filters. Roles are decided on the server from the stored identity."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from coachbot.domain.people.identity import Identity


class IsAdmin(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and identity.is_admin


class IsCoach(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and identity.is_coach


class IsPrivateChat(Filter):
    async def __call__(self, event: TelegramObject, event_chat=None) -> bool:
        return event_chat is not None and event_chat.type == "private"


class IsClient(Filter):
    async def __call__(self, event: TelegramObject, identity: Identity | None = None) -> bool:
        return identity is not None and identity.is_client
