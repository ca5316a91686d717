"""The Bot API methods that act on chats, messages, files and the bot's settings.

`TelegramWorld` holds everything a bot can see and change through the API: users and chats
with their message histories, stored files, command menus, descriptions and menu buttons.
Each public ``async`` method implements one Bot API method on already validated parameters
and raises `TelegramError` exactly where Telegram refuses (limits, missing chats, blocked
users, unmodified edits...). The server owns the transport, updates and webhooks.
"""

from __future__ import annotations

import copy
import mimetypes
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from coachbot.sandbox.telegram_format import (
    FormatError,
    FormattedText,
    normalize_parse_mode,
    parse_text,
)
from coachbot.sandbox.telegram_models import (
    ChatMessage,
    FakeChat,
    FileStore,
    RateLimiter,
    StoredFile,
    bad_request,
    forbidden,
    image_size,
    pillow_available,
)
from coachbot.sandbox.telegram_spec import UploadedFile

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
INLINE_BUTTONS_LIMIT = 100
DOWNLOAD_LIMIT = 20 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COPYABLE_KEYS = frozenset(
    ["text", "entities", "photo", "document", "voice", "location", "caption", "caption_entities"]
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class CallbackAnswerSink(Protocol):
    """Whoever pressed a button and waits for the bot's answerCallbackQuery."""

    def receive_callback_answer(self, params: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class _Text:
    """Text or caption content of a message plus what the bot sent before parsing."""

    content: dict[str, Any]
    raw: str | None = None
    parse_mode: str | None = None


_NO_TEXT = _Text({})


@dataclass(frozen=True)
class _Outgoing:
    """What every send method checks first: target chat, keyboard and replied-to message."""

    chat: FakeChat
    params: dict[str, Any]
    markup: dict[str, Any] | None
    reply_to: ChatMessage | None


class TelegramWorld:
    """One bot's chats, users, files and settings, and the API methods acting on them."""

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
            return copy.deepcopy(self.commands.get(_scope_key(scope, language_code), []))
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

    # ------------------------------------------------------------------ sending

    def _outgoing(self, p: dict[str, Any]) -> _Outgoing:
        chat = self._writable_chat(p["chat_id"])
        markup = _checked_markup(p.get("reply_markup"))
        return _Outgoing(chat, p, markup, self._reply_target(chat, p))

    def _reply_target(self, chat: FakeChat, p: dict[str, Any]) -> ChatMessage | None:
        reply = p.get("reply_parameters") or {}
        message_id = reply.get("message_id", p.get("reply_to_message_id"))
        if message_id is None:
            return None
        target_chat = self._known_chat(reply["chat_id"]) if "chat_id" in reply else chat
        target = target_chat.get(message_id)
        allow_missing = reply.get(
            "allow_sending_without_reply", p.get("allow_sending_without_reply")
        )
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def _post(
        self,
        out: _Outgoing,
        content: dict[str, Any],
        text: _Text = _NO_TEXT,
        files: tuple[StoredFile, ...] = (),
        *,
        throttle: bool = True,
    ) -> ChatMessage:
        """Add a bot message to the chat (after the rate limiter agreed) and return it."""
        if throttle and self.enforce_rate_limits:
            self.rate_limiter.acquire(out.chat.id, private=out.chat.is_private)
        payload: dict[str, Any] = {
            "message_id": out.chat.next_message_id(),
            "from": dict(self.bot_user),
            "chat": dict(out.chat.info),
            "date": self._now(),
            **content,
            **text.content,
        }
        if out.reply_to is not None:
            payload["reply_to_message"] = _without_reply(out.reply_to.payload)
        if out.params.get("protect_content"):
            payload["has_protected_content"] = True
        if out.markup and "inline_keyboard" in out.markup:
            payload["reply_markup"] = out.markup
        message = ChatMessage(payload, True, text.raw, text.parse_mode, files, out.markup)
        out.chat.append(message)
        return message

    def _text(self, p: dict[str, Any], *, caption: bool = False) -> _Text:
        """Parse text (or caption) with its parse_mode and enforce Telegram's length limits."""
        key, entities_key = ("caption", "caption_entities") if caption else ("text", "entities")
        raw = p.get(key, "")
        if caption and not raw:
            return _NO_TEXT
        parse_mode = _parse_mode(p.get("parse_mode"))
        formatted = _formatted(raw, parse_mode, p.get(entities_key))
        visible = formatted.text
        if caption and len(visible) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        if not caption and not visible.strip():
            raise bad_request("message text is empty")
        if not caption and len(visible) > TEXT_LIMIT:
            raise bad_request("message is too long")
        content: dict[str, Any] = {key: visible}
        if formatted.entities:
            content[entities_key] = formatted.entities
        if caption and p.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        return _Text(content, raw, parse_mode)

    async def send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        out = self._outgoing(p)
        return self._post(out, {}, self._text(p)).snapshot()

    async def send_location(self, p: dict[str, Any]) -> dict[str, Any]:
        out = self._outgoing(p)
        if not (-90 <= p["latitude"] <= 90 and -180 <= p["longitude"] <= 180):
            raise bad_request("wrong coordinates")
        location = {"latitude": p["latitude"], "longitude": p["longitude"]}
        return self._post(out, {"location": location}).snapshot()

    async def send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(p, "photo")

    async def send_document(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(p, "document")

    async def send_voice(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(p, "voice")

    def _send_file(self, p: dict[str, Any], kind: str) -> dict[str, Any]:
        out = self._outgoing(p)
        text = self._text(p, caption=True)
        files = self._media_files(p[kind], kind, duration=p.get("duration", 0))
        return self._post(out, _file_content(kind, files), text, files).snapshot()

    def _media_files(
        self, value: UploadedFile | str, kind: str, **details: Any
    ) -> tuple[StoredFile, ...]:
        """Store an upload, or look up an earlier file by file_id (URLs are not fetched)."""
        if isinstance(value, UploadedFile):
            return self._store_upload(value, kind, **details)
        if value.startswith(("http://", "https://")):
            raise bad_request(
                "wrong file identifier/HTTP URL specified (the fake server does not fetch URLs)"
            )
        stored = self.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request("type of file mismatch")
        return self.files.photo_sizes(stored) if kind == "photo" else (stored,)

    def _store_upload(
        self, upload: UploadedFile, kind: str, *, duration: int = 0
    ) -> tuple[StoredFile, ...]:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            _check_photo(upload.data)
            return self.files.add_photo(upload.data)
        if kind == "voice":
            return (self.files.add(upload.data, "voice", mime_type="audio/ogg", duration=duration),)
        guessed = mimetypes.guess_type(upload.filename)[0]
        mime_type = guessed or upload.content_type or "application/octet-stream"
        stored = self.files.add(
            upload.data, "document", file_name=upload.filename, mime_type=mime_type
        )
        return (stored,)

    async def send_media_group(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        out = self._outgoing(p)
        media = p["media"]
        if not 2 <= len(media) <= 10:
            raise bad_request("a media group must contain 2-10 items")
        kinds = {item["type"] for item in media}
        if kinds - {"photo", "document"}:
            raise bad_request(f"the fake server supports photo and document albums, got {kinds}")
        if len(kinds) > 1:
            raise bad_request("documents can't be mixed with other media in an album")
        prepared = [
            (self._media_files(item["media"], item["type"]), self._text(item, caption=True))
            for item in media
        ]
        group_id = str(secrets.randbits(60))
        messages = [
            self._post(
                out,
                {**_file_content(item["type"], files), "media_group_id": group_id},
                text,
                files,
                throttle=index == 0,
            )
            for index, (item, (files, text)) in enumerate(zip(media, prepared, strict=True))
        ]
        return [message.snapshot() for message in messages]

    def _source_message(self, p: dict[str, Any], action: str) -> ChatMessage:
        source = self._known_chat(p["from_chat_id"]).get(p["message_id"])
        if source is None:
            raise bad_request(f"message to {action} not found")
        if source.protect_content:
            raise bad_request("message has protected content and can't be forwarded")
        return source

    async def copy_message(self, p: dict[str, Any]) -> dict[str, int]:
        source = self._source_message(p, "copy")
        out = self._outgoing(p)
        content = _copyable(source)
        text = _Text({}, source.raw_text, source.parse_mode)
        if "caption" in p and "text" not in content:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            text = self._text(p, caption=True)
        message = self._post(out, content, text, source.files)
        return {"message_id": message.message_id}

    async def forward_message(self, p: dict[str, Any]) -> dict[str, Any]:
        source = self._source_message(p, "forward")
        out = self._outgoing(p)
        origin = {
            "type": "user",
            "sender_user": dict(source.payload["from"]),
            "date": source.payload["date"],
        }
        content = {**_copyable(source), "forward_origin": origin}
        text = _Text({}, source.raw_text, source.parse_mode)
        return self._post(out, content, text, source.files).snapshot()

    # ------------------------------------------------------------------ editing and deleting

    def _editable(self, p: dict[str, Any]) -> ChatMessage:
        if "inline_message_id" in p:
            raise bad_request("MESSAGE_ID_INVALID (the fake server has no inline messages)")
        if "chat_id" not in p or "message_id" not in p:
            raise bad_request("message identifier is not specified")
        message = self._writable_chat(p["chat_id"]).get(p["message_id"])
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(
        self, message: ChatMessage, text: _Text | None, markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Replace content and inline keyboard (omitted keyboard = removed, as in Telegram)."""
        changes = dict(text.content) if text is not None else {}
        if text is not None:
            entities_key = "caption_entities" if "caption" in changes else "entities"
            changes.setdefault(entities_key, None)
        changes["reply_markup"] = markup
        if all(message.payload.get(key) == value for key, value in changes.items()):
            raise bad_request(_NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.payload.pop(key, None)
            else:
                message.payload[key] = value
        message.payload["edit_date"] = self._now()
        if markup is not None or "inline_keyboard" in (message.sent_markup or {}):
            message.sent_markup = markup  # a reply keyboard survives edits, an inline one not
        if text is not None:
            message.raw_text, message.parse_mode = text.raw, text.parse_mode
        message.edits += 1
        self.chats[message.chat_id].changed.notify()
        return message.snapshot()

    async def edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(p)
        if "text" not in message.payload:
            raise bad_request("there is no text in the message to edit")
        text = self._text(p)
        return self._apply_edit(message, text, _checked_markup(p.get("reply_markup")))

    async def edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(p)
        if "text" in message.payload or "location" in message.payload:
            raise bad_request("there is no caption in the message to edit")
        text = self._text(p, caption=True)
        if text is _NO_TEXT:
            text = _Text({"caption": None})
        return self._apply_edit(message, text, _checked_markup(p.get("reply_markup")))

    async def edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(p)
        return self._apply_edit(message, None, _checked_markup(p.get("reply_markup")))

    def _delete(self, chat: FakeChat, message_id: int) -> bool:
        message = chat.get(message_id)
        if message is None:
            return False
        if not message.from_bot and not chat.is_private:
            raise bad_request("message can't be deleted")
        message.deleted = True
        chat.changed.notify()
        return True

    async def delete_message(self, p: dict[str, Any]) -> bool:
        if not self._delete(self._known_chat(p["chat_id"]), p["message_id"]):
            raise bad_request("message to delete not found")
        return True

    async def delete_messages(self, p: dict[str, Any]) -> bool:
        chat = self._known_chat(p["chat_id"])
        if not 1 <= len(p["message_ids"]) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in p["message_ids"]:
            self._delete(chat, message_id)  # missing ones are skipped, as documented
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

    # ------------------------------------------------------------------ bot settings

    def _scope(self, p: dict[str, Any]) -> tuple[Any, ...]:
        language = p.get("language_code", "")
        if language and not _LANGUAGE_RE.fullmatch(language):
            raise bad_request("language_code must be a two-letter ISO 639-1 code")
        scope = p.get("scope") or {"type": "default"}
        if "chat_id" in scope:
            scope = {**scope, "chat_id": self._known_chat(scope["chat_id"]).id}
        return _scope_key(scope, language)

    async def set_my_commands(self, p: dict[str, Any]) -> bool:
        key = self._scope(p)
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_RE.fullmatch(command["command"]):
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


# ---------------------------------------------------------------------- pure helpers


def _scope_key(scope: dict[str, Any], language_code: str | None) -> tuple[Any, ...]:
    chat_id = scope.get("chat_id")
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        chat_id = int(chat_id)
    return (scope.get("type", "default"), chat_id, scope.get("user_id"), language_code or "")


def _parse_mode(value: str | None) -> str | None:
    try:
        return normalize_parse_mode(value)
    except ValueError as error:
        raise bad_request("unsupported parse_mode") from error


def _formatted(
    raw: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> FormattedText:
    """Explicit entities win over parse_mode, as documented."""
    if entities is not None:
        return FormattedText(raw, entities)
    try:
        return parse_text(raw, parse_mode)
    except FormatError as error:
        raise bad_request(f"can't parse entities: {error}") from error


def _checked_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Enforce inline keyboard limits: ≤100 buttons, one action each, callback_data 1-64 bytes."""
    if not markup or "inline_keyboard" not in markup:
        return markup
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    if len(buttons) > INLINE_BUTTONS_LIMIT:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    for button in buttons:
        _check_button(button)
    return markup


def _check_button(button: dict[str, Any]) -> None:
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(f"can't parse inline keyboard button: only one of {actions} is allowed")
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and urlsplit(url).scheme not in ("http", "https", "tg"):
        raise bad_request("BUTTON_URL_INVALID")


def _check_photo(data: bytes) -> None:
    if not pillow_available():
        return
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10000 or max(width, height) > 20 * max(1, min(width, height)):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")


def _file_content(kind: str, files: tuple[StoredFile, ...]) -> dict[str, Any]:
    if kind == "photo":
        return {"photo": [size.to_api() for size in files]}
    return {kind: files[-1].to_api()}


def _copyable(source: ChatMessage) -> dict[str, Any]:
    """The content a copy or forward repeats (not ids, sender, keyboard or reply)."""
    return copy.deepcopy({k: v for k, v in source.payload.items() if k in _COPYABLE_KEYS})


def _without_reply(payload: dict[str, Any]) -> dict[str, Any]:
    """A replied-to message as Telegram embeds it: one level deep."""
    return copy.deepcopy({k: v for k, v in payload.items() if k != "reply_to_message"})
