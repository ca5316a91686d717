"""The Bot API methods that send messages: text, locations, files, albums, copies and
forwards (part of `TelegramWorld`)."""

from __future__ import annotations

import mimetypes
import secrets
from typing import Any

from coachbot.sandbox.telegram_core import WorldCore
from coachbot.sandbox.telegram_decoding import UploadedFile
from coachbot.sandbox.telegram_models import (
    ChatMessage,
    FakeChat,
    StoredFile,
    bad_request,
)
from coachbot.sandbox.telegram_rules import (
    CAPTION_LIMIT,
    NO_TEXT,
    TEXT_LIMIT,
    Outgoing,
    TextContent,
    check_photo,
    checked_markup,
    checked_parse_mode,
    copyable_content,
    file_content,
    formatted_text,
    without_reply,
)


class SendingMethods(WorldCore):
    """sendMessage and its kin, checked as Telegram checks them."""

    def _outgoing(self, p: dict[str, Any]) -> Outgoing:
        chat = self._writable_chat(p["chat_id"])
        markup = checked_markup(p.get("reply_markup"))
        return Outgoing(chat, p, markup, self._reply_target(chat, p))

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
        out: Outgoing,
        content: dict[str, Any],
        text: TextContent = NO_TEXT,
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
            payload["reply_to_message"] = without_reply(out.reply_to.payload)
        if out.params.get("protect_content"):
            payload["has_protected_content"] = True
        if out.markup and "inline_keyboard" in out.markup:
            payload["reply_markup"] = out.markup
        message = ChatMessage(payload, True, text.raw, text.parse_mode, files, out.markup)
        out.chat.append(message)
        return message

    def _text(self, p: dict[str, Any], *, caption: bool = False) -> TextContent:
        """Parse text (or caption) with its parse_mode and enforce Telegram's length limits."""
        key, entities_key = ("caption", "caption_entities") if caption else ("text", "entities")
        raw = p.get(key, "")
        if caption and not raw:
            return NO_TEXT
        parse_mode = checked_parse_mode(p.get("parse_mode"))
        formatted = formatted_text(raw, parse_mode, p.get(entities_key))
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
        return TextContent(content, raw, parse_mode)

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
        return self._post(out, file_content(kind, files), text, files).snapshot()

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
            check_photo(upload.data)
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
                {**file_content(item["type"], files), "media_group_id": group_id},
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
        content = copyable_content(source)
        text = TextContent({}, source.raw_text, source.parse_mode)
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
        content = {**copyable_content(source), "forward_origin": origin}
        text = TextContent({}, source.raw_text, source.parse_mode)
        return self._post(out, content, text, source.files).snapshot()
