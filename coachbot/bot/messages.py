"""Reading what people send: the parts of a message the domain keeps."""

from __future__ import annotations

from aiogram.types import Message

from coachbot.domain.checkins.model import ThreadKind


def thread_content(message: Message) -> tuple[ThreadKind, str, str | None]:
    """A thread message's kind, text (or caption) and Telegram file id (voice, photo)."""
    if message.voice is not None:
        return ThreadKind.voice, message.caption or "", message.voice.file_id
    if message.photo:
        return ThreadKind.photo, message.caption or "", message.photo[-1].file_id
    return ThreadKind.text, message.text or "", None
