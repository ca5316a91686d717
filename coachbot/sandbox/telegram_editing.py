"""The Bot API methods that edit and delete messages (part of `TelegramWorld`)."""

from __future__ import annotations

from typing import Any

from coachbot.sandbox.telegram_core import WorldCore
from coachbot.sandbox.telegram_models import (
    ChatMessage,
    FakeChat,
    bad_request,
)
from coachbot.sandbox.telegram_rules import (
    NO_TEXT,
    NOT_MODIFIED,
    TextContent,
    checked_markup,
)


class EditingMethods(WorldCore):
    """editMessage* and deleteMessage(s), refused where Telegram refuses."""

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
        self, message: ChatMessage, text: TextContent | None, markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Replace content and inline keyboard (omitted keyboard = removed, as in Telegram)."""
        changes = dict(text.content) if text is not None else {}
        if text is not None:
            entities_key = "caption_entities" if "caption" in changes else "entities"
            changes.setdefault(entities_key, None)
        changes["reply_markup"] = markup
        if all(message.payload.get(key) == value for key, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
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
        return self._apply_edit(message, text, checked_markup(p.get("reply_markup")))

    async def edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(p)
        if "text" in message.payload or "location" in message.payload:
            raise bad_request("there is no caption in the message to edit")
        text = self._text(p, caption=True)
        if text is NO_TEXT:
            text = TextContent({"caption": None})
        return self._apply_edit(message, text, checked_markup(p.get("reply_markup")))

    async def edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(p)
        return self._apply_edit(message, None, checked_markup(p.get("reply_markup")))

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
