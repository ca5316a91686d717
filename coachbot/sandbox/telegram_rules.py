"""What the fake Bot API checks before acting, as Telegram does: its limits, keyboards,
parse modes and photos, and the shapes messages are sent and copied in."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
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
    StoredFile,
    bad_request,
    image_size,
    pillow_available,
)

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
BUTTON_ACTIONS = (
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
COPYABLE_KEYS = frozenset(
    ["text", "entities", "photo", "document", "voice", "location", "caption", "caption_entities"]
)
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE_RE = re.compile(r"[a-z]{2}")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class TextContent:
    """Text or caption content of a message plus what the bot sent before parsing."""

    content: dict[str, Any]
    raw: str | None = None
    parse_mode: str | None = None


NO_TEXT = TextContent({})


@dataclass(frozen=True)
class Outgoing:
    """What every send method checks first: target chat, keyboard and replied-to message."""

    chat: FakeChat
    params: dict[str, Any]
    markup: dict[str, Any] | None
    reply_to: ChatMessage | None


def scope_key(scope: dict[str, Any], language_code: str | None) -> tuple[Any, ...]:
    chat_id = scope.get("chat_id")
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        chat_id = int(chat_id)
    return (scope.get("type", "default"), chat_id, scope.get("user_id"), language_code or "")


def checked_parse_mode(value: str | None) -> str | None:
    try:
        return normalize_parse_mode(value)
    except ValueError as error:
        raise bad_request("unsupported parse_mode") from error


def formatted_text(
    raw: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> FormattedText:
    """Explicit entities win over parse_mode, as documented."""
    if entities is not None:
        return FormattedText(raw, entities)
    try:
        return parse_text(raw, parse_mode)
    except FormatError as error:
        raise bad_request(f"can't parse entities: {error}") from error


def checked_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Enforce inline keyboard limits: ≤100 buttons, one action each, callback_data 1-64 bytes."""
    if not markup or "inline_keyboard" not in markup:
        return markup
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    if len(buttons) > INLINE_BUTTONS_LIMIT:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    for button in buttons:
        check_button(button)
    return markup


def check_button(button: dict[str, Any]) -> None:
    actions = [key for key in BUTTON_ACTIONS if key in button]
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


def check_photo(data: bytes) -> None:
    if not pillow_available():
        return
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10000 or max(width, height) > 20 * max(1, min(width, height)):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")


def file_content(kind: str, files: tuple[StoredFile, ...]) -> dict[str, Any]:
    if kind == "photo":
        return {"photo": [size.to_api() for size in files]}
    return {kind: files[-1].to_api()}


def copyable_content(source: ChatMessage) -> dict[str, Any]:
    """The content a copy or forward repeats (not ids, sender, keyboard or reply)."""
    return copy.deepcopy({k: v for k, v in source.payload.items() if k in COPYABLE_KEYS})


def without_reply(payload: dict[str, Any]) -> dict[str, Any]:
    """A replied-to message as Telegram embeds it: one level deep."""
    return copy.deepcopy({k: v for k, v in payload.items() if k != "reply_to_message"})
