"""The Bot API methods for the bot's settings: command menus, descriptions and the menu
button (part of `TelegramWorld`)."""

from __future__ import annotations

import copy
from typing import Any

from coachbot.sandbox.telegram_core import WorldCore
from coachbot.sandbox.telegram_models import (
    bad_request,
)
from coachbot.sandbox.telegram_rules import (
    COMMAND_RE,
    LANGUAGE_RE,
    scope_key,
)


class SettingsMethods(WorldCore):
    """setMyCommands and its kin, per scope and language."""

    def _scope(self, p: dict[str, Any]) -> tuple[Any, ...]:
        language = p.get("language_code", "")
        if language and not LANGUAGE_RE.fullmatch(language):
            raise bad_request("language_code must be a two-letter ISO 639-1 code")
        scope = p.get("scope") or {"type": "default"}
        if "chat_id" in scope:
            scope = {**scope, "chat_id": self._known_chat(scope["chat_id"]).id}
        return scope_key(scope, language)

    async def set_my_commands(self, p: dict[str, Any]) -> bool:
        key = self._scope(p)
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not COMMAND_RE.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        if commands:
            self.commands[key] = copy.deepcopy(commands)
        else:
            self.commands.pop(key, None)
        return True

    async def get_my_commands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return copy.deepcopy(self.commands.get(self._scope(p), []))

    async def delete_my_commands(self, p: dict[str, Any]) -> bool:
        self.commands.pop(self._scope(p), None)
        return True

    def _store_description(self, kind: str, text: str, language: str, limit: int) -> bool:
        if len(text) > limit:
            raise bad_request(f"description must be at most {limit} characters")
        if text:
            self.descriptions[(kind, language)] = text
        else:
            self.descriptions.pop((kind, language), None)
        return True

    async def set_my_description(self, p: dict[str, Any]) -> bool:
        return self._store_description(
            "long", p.get("description", ""), p.get("language_code", ""), 512
        )

    async def get_my_description(self, p: dict[str, Any]) -> dict[str, str]:
        return {"description": self.description(p.get("language_code", ""))}

    async def set_my_short_description(self, p: dict[str, Any]) -> bool:
        return self._store_description(
            "short", p.get("short_description", ""), p.get("language_code", ""), 120
        )

    async def get_my_short_description(self, p: dict[str, Any]) -> dict[str, str]:
        return {"short_description": self.description(p.get("language_code", ""), short=True)}

    async def set_chat_menu_button(self, p: dict[str, Any]) -> bool:
        chat_id = self._known_chat(p["chat_id"]).id if "chat_id" in p else None
        self.menu_buttons[chat_id] = p.get("menu_button") or {"type": "default"}
        return True

    async def get_chat_menu_button(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._known_chat(p["chat_id"]).id if "chat_id" in p else None
        return self.menu_button(chat_id)
