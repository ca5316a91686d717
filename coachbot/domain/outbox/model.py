"""Messages that leave the system: stored first, delivered by the dispatcher.

A payload is plain data (JSON in the outbox row), free of any channel's markup rules: the
channel decides how its texts are parsed (Telegram: HTML, see `scheduler/sender.py`).
`NoticePayload` is the payload of messages written by use cases: a typed notice
(`domain/shared/notices.py`) the bot layer renders for its reader when it is sent.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from coachbot.domain.notices import notice_from_stored, stored_notice
from coachbot.domain.shared.notices import Notice, UnreadableNotice


class Channel(StrEnum):
    telegram = "telegram"


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"
    missed = "missed"  # its send-by time passed (downtime): not sent late


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class FileRef:
    """A file to send: a Telegram file_id already uploaded, the bytes themselves, or a
    generated file kept encrypted in the blob store (large reports and exports: the
    outbox row stays small, the dispatcher reads the file when it sends)."""

    file_id: str | None = None
    content: bytes | None = None
    filename: str = "file"
    blob_key: str | None = None

    def __post_init__(self) -> None:
        given = [self.file_id, self.content, self.blob_key]
        if sum(part is not None for part in given) != 1:
            raise ValueError("a file is either a file_id, content or a blob_key")


@dataclass(frozen=True)
class TextPayload:
    text: str
    buttons: Keyboard = ()
    protect_content: bool = False
    disable_notification: bool = False
    kind: str = field(default="text", init=False)


@dataclass(frozen=True)
class PhotoPayload:
    photo: FileRef
    caption: str | None = None
    buttons: Keyboard = ()
    protect_content: bool = True
    kind: str = field(default="photo", init=False)


@dataclass(frozen=True)
class DocumentPayload:
    document: FileRef
    caption: str | None = None
    buttons: Keyboard = ()
    protect_content: bool = False
    kind: str = field(default="document", init=False)


@dataclass(frozen=True)
class VoicePayload:
    voice: FileRef
    caption: str | None = None
    buttons: Keyboard = ()
    protect_content: bool = False
    kind: str = field(default="voice", init=False)


@dataclass(frozen=True)
class MediaItem:
    type: str  # "photo" or "document"
    file: FileRef
    caption: str | None = None


@dataclass(frozen=True)
class MediaGroupPayload:
    items: tuple[MediaItem, ...]
    protect_content: bool = True
    kind: str = field(default="media_group", init=False)

    def __post_init__(self) -> None:
        if not 2 <= len(self.items) <= 10:
            raise ValueError("a media group has 2 to 10 items")


@dataclass(frozen=True)
class NoticePayload:
    """A notice to one person, rendered by the bot layer at send time for its reader:
    in their language, dates in their time zone, measurements in their units."""

    notice: Notice
    language: str = "en"
    timezone: str = "UTC"
    units: str = "metric"
    # A file the notice comes with (a Telegram file id for "voice" or "photo", a blob
    # key for a stored document); its text is the caption.
    attachment: str | None = None
    attachment_kind: str | None = None
    kind: str = field(default="notice", init=False)


Payload = (
    TextPayload | PhotoPayload | DocumentPayload | VoicePayload | MediaGroupPayload | NoticePayload
)


@dataclass(frozen=True, kw_only=True)
class OutgoingMessage:
    channel: Channel
    recipient: str
    payload: Payload
    idempotency_key: str
    created_at: datetime
    not_before: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ClaimedMessage:
    id: int
    channel: Channel
    recipient: str
    payload: Payload
    attempts: int


# -- JSON form -------------------------------------------------------------------------

_B64 = "b64:"


def payload_to_json(payload: Payload) -> dict[str, Any]:
    if isinstance(payload, NoticePayload):
        return _notice_to_json(payload)
    return _encode(asdict(payload))


def _notice_to_json(payload: NoticePayload) -> dict[str, Any]:
    """Stored as {"name", "params", ...}: the shape notices had before they were typed,
    so rows queued by either release render with the other."""
    name, params = stored_notice(payload.notice)
    return {
        "kind": payload.kind,
        "name": name,
        "params": params,
        "language": payload.language,
        "timezone": payload.timezone,
        "units": payload.units,
        "attachment": payload.attachment,
        "attachment_kind": payload.attachment_kind,
    }


def _notice_from_json(data: dict[str, Any]) -> NoticePayload:
    params = data["params"]
    try:
        notice = notice_from_stored(data["name"], params)
    except (KeyError, TypeError, ValueError) as error:
        notice = UnreadableNotice(name=data["name"], problem=repr(error))
    return NoticePayload(
        notice,
        language=data.get("language") or "en",
        # Rows queued before the reader's details moved here kept them among the params.
        timezone=data.get("timezone") or params.get("timezone") or "UTC",
        units=data.get("units") or params.get("units") or "metric",
        attachment=data.get("attachment"),
        attachment_kind=data.get("attachment_kind"),
    )


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return _B64 + base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def payload_from_json(data: dict[str, Any]) -> Payload:
    data = dict(data)
    kind = data.pop("kind")
    data.pop("parse_mode", None)  # rows queued before the channel chose it
    if kind == "notice":
        return _notice_from_json(data)
    if kind == "text":
        return TextPayload(**{**data, "buttons": _keyboard(data["buttons"])})
    if kind == "media_group":
        items = tuple(
            MediaItem(type=i["type"], file=_file(i["file"]), caption=i["caption"])
            for i in data["items"]
        )
        return MediaGroupPayload(items=items, protect_content=data["protect_content"])
    media: dict[str, tuple[type[PhotoPayload | DocumentPayload | VoicePayload], str]] = {
        "photo": (PhotoPayload, "photo"),
        "document": (DocumentPayload, "document"),
        "voice": (VoicePayload, "voice"),
    }
    cls, file_field = media[kind]
    return cls(
        **{**data, file_field: _file(data[file_field]), "buttons": _keyboard(data["buttons"])}
    )


def _keyboard(rows: list[list[dict[str, Any]]]) -> Keyboard:
    return tuple(tuple(Button(**button) for button in row) for row in rows)


def _file(data: dict[str, Any]) -> FileRef:
    content = data.get("content")
    if isinstance(content, str) and content.startswith(_B64):
        content = base64.b64decode(content[len(_B64) :])
    return FileRef(
        file_id=data.get("file_id"),
        content=content,
        filename=data["filename"],
        blob_key=data.get("blob_key"),
    )
