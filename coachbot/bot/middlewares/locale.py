"""Pick the language of the reply: the user's stored language, else the default."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18nMiddleware


class UserLocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return locale_of(data, self.i18n.default_locale)


def locale_of(data: dict[str, Any], default: str) -> str:
    identity = data.get("identity")
    return identity.user.language if identity is not None else default
