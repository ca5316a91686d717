"""The Bot API methods that act on chats, messages, files and the bot's settings.

`TelegramWorld` holds everything a bot can see and change through the API: users and chats
with their message histories, stored files, command menus, descriptions and menu buttons.
Each public ``async`` method implements one Bot API method on already validated parameters
and raises `TelegramError` exactly where Telegram refuses (limits, missing chats, blocked
users, unmodified edits...). The server owns the transport, updates and webhooks.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from coachbot.sandbox.telegram_editing import EditingMethods
from coachbot.sandbox.telegram_models import (
    FakeChat,
    FileStore,
    RateLimiter,
    bad_request,
    forbidden,
)
from coachbot.sandbox.telegram_rules import (
    CHAT_ACTIONS,
    DOWNLOAD_LIMIT,
    scope_key,
)
from coachbot.sandbox.telegram_sending import SendingMethods
from coachbot.sandbox.telegram_settings import SettingsMethods

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class CallbackAnswerSink(Protocol):
    """Whoever pressed a button and waits for the bot's answerCallbackQuery."""

    def receive_callback_answer(self, params: dict[str, Any]) -> None: ...


class TelegramWorld(SendingMethods, EditingMethods, SettingsMethods):
    """One bot's chats, users, files and settings, and the API methods acting on them
    (sending, editing and settings methods in their own modules)."""

    def __init__(
        self,
        bot_user: dict[str, Any],
        *,
        clock: Callable[[], float],
        now: Callable[[], int],
        enforce_rate_limits: bool = False,
    ) -> None:
        self.bot_user = bot_user
        self.enforce_rate_limits = enforce_rate_limits
        self.files = FileStore()
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, FakeChat] = {}
        self.commands: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.open_callback_queries: dict[str, CallbackAnswerSink] = {}
        self.rate_limiter = RateLimiter(clock)
        self._now = now

    def handlers(self) -> dict[str, Handler]:
        """Implementations by Bot API method name."""
        return {
            "getMe": self.get_me,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "sendVoice": self.send_voice,
            "sendLocation": self.send_location,
            "sendMediaGroup": self.send_media_group,
            "sendChatAction": self.send_chat_action,
            "copyMessage": self.copy_message,
            "forwardMessage": self.forward_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
        }

    # ------------------------------------------------------------------ what tests inspect

    def commands_for(
        self, scope: dict[str, Any] | int, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        """Commands stored for a scope dict (exactly), or the ones a chat id's user sees.

        For a chat id the lookup follows Telegram: chat scope, then all private (or group)
        chats, then default; each first with the language (the user's by default), then
        without.
        """
        if isinstance(scope, dict):
            return copy.deepcopy(self.commands.get(scope_key(scope, language_code), []))
        chat = self.chats.get(scope)
        private = chat.is_private if chat is not None else scope > 0
        if language_code is None:
            language_code = self.users.get(scope, {}).get("language_code", "")
        broad = "all_private_chats" if private else "all_group_chats"
        for kind, chat_id in (("chat", scope), (broad, None), ("default", None)):
            for language in dict.fromkeys((language_code, "")):
                commands = self.commands.get((kind, chat_id, None, language))
                if commands:
                    return copy.deepcopy(commands)
        return []

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        default = self.menu_buttons.get(None, {"type": "default"})
        button = self.menu_buttons.get(chat_id, default) if chat_id is not None else default
        return copy.deepcopy(button)

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        return self.descriptions.get(("short" if short else "long", language_code), "")

    # ------------------------------------------------------------------ chats

    def _find_chat(self, chat_id: int | str) -> FakeChat | None:
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        if isinstance(chat_id, int):
            return self.chats.get(chat_id)
        name = chat_id.removeprefix("@")  # only public groups/channels are found by username
        public = (c for c in self.chats.values() if not c.is_private)
        return next((c for c in public if c.info.get("username") == name), None)

    def _known_chat(self, chat_id: int | str) -> FakeChat:
        """A chat the bot knows: someone wrote to it there (else "chat not found")."""
        chat = self._find_chat(chat_id)
        if chat is None or not chat.started:
            raise bad_request("chat not found")
        return chat

    def _writable_chat(self, chat_id: int | str) -> FakeChat:
        chat = self._known_chat(chat_id)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    async def get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def send_chat_action(self, p: dict[str, Any]) -> bool:
        chat = self._writable_chat(p["chat_id"])
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.actions.append(p["action"])
        chat.changed.notify()
        return True

    # ------------------------------------------------------------------ callbacks and files

    async def answer_callback_query(self, p: dict[str, Any]) -> bool:
        user = self.open_callback_queries.pop(p["callback_query_id"], None)
        if user is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        user.receive_callback_answer(p)
        return True

    async def get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(p["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return stored.file_info()
